"""The daily digest: items collect, one message a day at 08:00 London, exactly once per
person per day with two notifier replicas racing. The time is the test's; nothing sleeps
for time to pass."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from sprg_notifier.handlers.digests import send_due_digests
from sprg_shared.contracts.clocks import ClockBreached
from sprg_shared.ids import stable_id
from tests.e2e.stack import free_port
from tests.integration.notifier_harness import Notifier, Now, running_notifier
from tests.servers import Servers
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.integration

PLANTED = "Florizel Amberwick"  # a child's name, planted in the events; never in a digest
# 1 June is in British Summer Time: 08:00 in London is 07:00 UTC.
BEFORE = datetime(2026, 6, 1, 6, 59, tzinfo=UTC)
AT_EIGHT = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    port = free_port()
    with smtp_server(port) as box:
        yield box, port


@pytest.fixture
def now() -> Now:
    return Now(BEFORE)


@pytest.fixture
async def notifier(
    servers: Servers, run_id: str, mailbox: tuple[Mailbox, int], now: Now
) -> AsyncIterator[Notifier]:
    async with running_notifier(
        servers, run_id, mailbox, now, replicas=2, digest_poll_seconds=0.05
    ) as running:
        kind = f"rr_{run_id}"  # a clock kind only this test's events have
        await running.put_people(
            [
                {
                    "person_id": "dg",
                    "name": "Digest By Mail",
                    "email": "dg@example.org",
                    "agency": "cscp",
                    "roles": [
                        "independent_scrutineer"
                    ],  # told of nothing else on the shared topics
                    "owns_clocks": [kind],
                    "delivery": "daily_digest",
                },
                {
                    "person_id": "dw",
                    "name": "Digest By Webhook",
                    "email": "dw@example.org",
                    "agency": "cscp",
                    "roles": ["independent_scrutineer"],
                    "owns_clocks": [kind],
                    "channel": "webhook",
                    "webhook_url": running.hook_url,
                    "delivery": "daily_digest",
                },
                {
                    "person_id": "chair",
                    "name": "Chair",
                    "email": "chair@example.org",
                    "agency": "croydon-csc",
                    "roles": ["chair"],
                },
            ]
        )
        yield running


def breach(case_id: str, kind: str) -> ClockBreached:
    return ClockBreached(
        clock_id=f"k-{case_id}",
        case_id=case_id,
        kind=kind,
        due=date(2026, 5, 29),
        breached_at=BEFORE,
        calendar_version="t",
    )


def digests_to(mailbox: Mailbox, address: str) -> list[str]:
    return [m["Subject"] for m in mailbox.to(address) if "daily digest" in m["Subject"]]


async def test_a_daily_digest_is_sent_once_per_person_per_day_by_two_replicas(
    notifier: Notifier, now: Now
) -> None:
    r, kind = notifier.run_id, f"rr_{notifier.run_id}"
    for case in ("a", "b"):
        planted = await notifier.publish(breach(f"dg{case}-{r}", kind), child_name=PLANTED)
        await notifier.applied(planted)

    # Before 08:00: the chair was told at once; the digest readers' items wait.
    assert len(notifier.mailbox.to("chair@example.org", f"dga-{r}")) == 1
    assert len(await notifier.log(recipient="dg", result="queued")) == 2
    assert not digests_to(notifier.mailbox, "dg@example.org")
    assert not notifier.mailbox.to("dg@example.org", f"dga-{r}")
    assert await send_due_digests(notifier.deps(0)) == 0  # not due yet

    now.at = AT_EIGHT  # both replicas' loops now find the digest due
    async with asyncio.timeout(60):
        while not digests_to(notifier.mailbox, "dg@example.org") or not notifier.receiver.calls:
            await asyncio.sleep(0.05)
    # Two more rounds on both replicas at once: the day's digests are claimed already.
    for _ in range(2):
        sent = await asyncio.gather(*(send_due_digests(notifier.deps(i)) for i in (0, 1)))
        assert sent == [0, 0]

    [subject] = digests_to(notifier.mailbox, "dg@example.org")
    assert subject == "SPRG daily digest for 2026-06-01: 2 items"
    [mail] = [m for m in notifier.mailbox.to("dg@example.org") if "digest" in m["Subject"]]
    assert f"dga-{r}" in mail.as_string() and f"dgb-{r}" in mail.as_string()
    [(headers, body)] = notifier.receiver.calls
    payload = json.loads(body)
    assert payload["day"] == "2026-06-01" and len(payload["items"]) == 2
    assert headers["idempotency-key"] == payload["digest_id"]
    assert {d["status"] for d in await notifier.log(recipient="dg")} == {"digested"}

    # An item arriving after the day's digest waits for the next day's.
    await notifier.applied(await notifier.publish(breach(f"dgc-{r}", kind)))
    assert len(await notifier.log(recipient="dg", result="queued")) == 1
    assert await send_due_digests(notifier.deps(1)) == 0
    now.at = NEXT_DAY
    raced = await asyncio.gather(*(send_due_digests(notifier.deps(i)) for i in (0, 1)))
    async with asyncio.timeout(60):
        while len(digests_to(notifier.mailbox, "dg@example.org")) < 2 or (
            len(notifier.receiver.calls) < 2
        ):
            await asyncio.sleep(0.05)
    assert sum(raced) <= 2  # at most one per person (dg, dw); the loops may have won
    assert await send_due_digests(notifier.deps(0)) == 0
    assert digests_to(notifier.mailbox, "dg@example.org") == [
        "SPRG daily digest for 2026-06-01: 2 items",
        "SPRG daily digest for 2026-06-02: 1 item",
    ]
    assert [json.loads(body)["day"] for _, body in notifier.receiver.calls] == [
        "2026-06-01",
        "2026-06-02",
    ]
    assert all(PLANTED not in m.as_string() for m in notifier.mailbox.messages)
    assert all(PLANTED.encode() not in body for _, body in notifier.receiver.calls)
    assert [json.loads(body)["day"] for _, body in notifier.receiver.calls] == [
        "2026-06-01",
        "2026-06-02",
    ]
    assert all(PLANTED not in m.as_string() for m in notifier.mailbox.messages)
    assert all(PLANTED.encode() not in body for _, body in notifier.receiver.calls)


async def test_a_digest_claimed_by_a_replica_that_died_is_taken_over_after_the_lease(
    servers: Servers, run_id: str, mailbox: tuple[Mailbox, int]
) -> None:
    now = Now(BEFORE)
    kind = f"rr_{run_id}"
    # The loop looks once at start-up (before 08:00) and then not for an hour: the test
    # calls the digest round itself.
    async with running_notifier(
        servers, run_id, mailbox, now, digest_poll_seconds=3600, digest_lease_seconds=600
    ) as notifier:
        await notifier.put_people(
            [
                {
                    "person_id": "dg",
                    "name": "Digest By Mail",
                    "email": "dg@example.org",
                    "agency": "cscp",
                    "roles": ["independent_scrutineer"],
                    "owns_clocks": [kind],
                    "delivery": "daily_digest",
                }
            ]
        )
        await notifier.applied(await notifier.publish(breach(f"to-{run_id}", kind)))
        [item] = await notifier.log(recipient="dg", result="queued")
        # What a replica killed after claiming leaves behind: a claim never finished.
        digest_id = stable_id("digest", "dg", "2026-06-01")
        await notifier.db["digests"].insert_one(
            {
                "_id": digest_id,
                "digest_id": digest_id,
                "attempt": 0,
                "person_id": "dg",
                "day": "2026-06-01",
                "channel": "email",
                "items": [item["_id"]],
                "status": "claimed",
                "claimed_at": AT_EIGHT,
            }
        )
        now.at = AT_EIGHT + timedelta(minutes=9)  # within the lease: still in hand
        assert await send_due_digests(notifier.deps()) == 0
        now.at = AT_EIGHT + timedelta(minutes=11)  # past it: taken over, once
        sent = await asyncio.gather(*(send_due_digests(notifier.deps()) for _ in range(3)))
        assert sorted(sent) == [0, 0, 1]
        assert await send_due_digests(notifier.deps()) == 0

    [mail] = [m for m in mailbox[0].to("dg@example.org") if "digest" in m["Subject"]]
    assert mail["Message-ID"] == f"<{digest_id}@sprg.invalid>"  # the dead replica's id
    assert f"to-{run_id}" in mail.as_string()

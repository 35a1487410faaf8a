"""The notifier against a real SMTP server, a real webhook receiver, the real broker and store."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_notifier.adapters.channels import REPLAY_WINDOW_SECONDS, signature, verify
from sprg_notifier.bootstrap import TOPICS as NOTIFIER_TOPICS
from sprg_notifier.bootstrap import build
from sprg_notifier.settings import NotifierSettings
from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.contracts.clocks import ClockBreached
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.contracts.notifications import NotificationSent
from sprg_shared.envelope import Envelope, envelope_for
from sprg_shared.metrics import bus_metrics
from tests.conftest import bearer
from tests.e2e.stack import free_port
from tests.http_server import serving
from tests.integration.kafka_helpers import read_until, start_group_at_end
from tests.servers import Servers
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.integration

WEBHOOK_SECRET = "webhook-secret-" + "w" * 30
PLANTED = "Florizel Amberwick"
ADMIN = bearer("cscp", Role.BUSINESS_TEAM, subject="bt")


def reference_for(case_id: str) -> str:
    """The reference intake gave the case (as the events carry it)."""
    return f"SIN-2026-{case_id[-8:].upper()}"


@dataclass
class Receiver:
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> dict[str, str]:
            self.calls.append((dict(request.headers), await request.body()))
            return {"ok": "yes"}

        return app


@dataclass
class Harness:
    client: httpx.AsyncClient
    mailbox: Mailbox
    receiver: Receiver
    producer: Producer
    servers: Servers
    run_id: str

    def breach(self, case_id: str, **extra: Any) -> Envelope:
        event = ClockBreached(
            clock_id=f"k-{case_id}",
            case_id=case_id,
            kind="sin_notification",
            due=date(2026, 4, 13),
            breached_at=datetime(2026, 4, 14, 8, tzinfo=UTC),
            calendar_version="test",
            reference=reference_for(case_id),
            subject_kind="case",
            statutory=True,
        )
        envelope = envelope_for(event, source="sprg/test")
        return envelope.model_copy(update={"data": {**envelope.data, **extra}})

    async def publish(self, envelope: Envelope) -> None:
        await self.producer.publish(topics.CLOCKS, envelope)

    async def deliveries(
        self, case_id: str, count: int, status: str = "sent"
    ) -> list[dict[str, Any]]:
        async with asyncio.timeout(60):
            while True:
                found = (
                    await self.client.get(
                        "/v1/deliveries", params={"case_id": case_id}, headers=ADMIN
                    )
                ).json()
                if len([d for d in found if d["status"] == status]) >= count:
                    return list(found)
                await asyncio.sleep(0.2)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    port = free_port()
    with smtp_server(port) as box:
        yield box, port


@pytest.fixture
async def harness(
    servers: Servers, run_id: str, mailbox: tuple[Mailbox, int]
) -> AsyncIterator[Harness]:
    box, port = mailbox
    receiver = Receiver()
    hook_port = free_port()
    settings = NotifierSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        database=f"t{run_id}_notifier",
        consumer_group=f"t{run_id}-notifier",
        http_port=0,
        smtp_port=port,
        webhook_secret=WEBHOOK_SECRET,
        # The test's receiver is on loopback over HTTP: its origin, and only it, is exempted.
        webhook_allowed_origins=(f"http://127.0.0.1:{hook_port}",),
        delivery_attempts=3,
        retry_backoff_seconds=0.05,
    )
    producer = Producer(servers.kafka, "test", bus_metrics(CollectorRegistry(), "test"))
    # Only the test's own events: not every earlier test's, left on the shared topics.
    start_group_at_end(servers.kafka, settings.consumer_group, NOTIFIER_TOPICS)
    async with (
        serving(receiver.app(), hook_port) as hook_url,
        serving(build(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        people = [
            {
                "person_id": "bt",
                "name": "Business Team",
                "email": "bt@cscp.example.org",
                "agency": "cscp",
                "roles": ["business_team"],
                "owns_clocks": ["sin_notification"],
            },
            {
                "person_id": "bm",
                "name": "Business Manager",
                "email": "bm@cscp.example.org",
                "agency": "cscp",
                "roles": ["business_team", "business_manager"],
            },
            {
                "person_id": "chair",
                "name": "Chair",
                "email": "chair@cscp.example.org",
                "agency": "croydon-csc",
                "roles": ["chair"],
                "channel": "webhook",
                "webhook_url": f"{hook_url}/hook",
            },
        ]
        for person in people:
            put = await client.put(
                f"/v1/directory/people/{person['person_id']}", json=person, headers=ADMIN
            )
            assert put.status_code == 200, put.text
        yield Harness(client, box, receiver, producer, servers, run_id)
    producer.close()


async def test_a_breach_tells_each_subscribed_person_once_by_their_channel(
    harness: Harness,
) -> None:
    case_id = f"breach-{harness.run_id}"
    envelope = harness.breach(case_id, child_name=PLANTED)  # a field no event model has
    await harness.publish(envelope)
    await harness.deliveries(case_id, 3)

    assert len(harness.mailbox.to("bt@cscp.example.org", case_id)) == 1
    assert len(harness.mailbox.to("bm@cscp.example.org", case_id)) == 1  # two roles, one message
    mail = harness.mailbox.to("bm@cscp.example.org", case_id)[0]
    assert "OVERDUE" in mail["Subject"] and reference_for(case_id) in mail["Subject"]
    assert f"http://127.0.0.1:8000/cases/{case_id}" in mail.as_string()  # the console's page
    assert {part.get_content_type() for part in mail.walk()} >= {"text/plain", "text/html"}
    assert PLANTED not in mail.as_string()

    [(headers, body)] = [c for c in harness.receiver.calls if case_id.encode() in c[1]]
    stamp = headers["x-sprg-timestamp"]
    assert headers["x-sprg-signature"] == signature(WEBHOOK_SECRET, body, int(stamp))
    assert verify(WEBHOOK_SECRET, body, stamp, headers["x-sprg-signature"], now=time.time())
    # Replayed later than the window, the same request is refused by the receiver.
    late = time.time() + REPLAY_WINDOW_SECONDS + 1
    assert not verify(WEBHOOK_SECRET, body, stamp, headers["x-sprg-signature"], now=late)
    assert headers["idempotency-key"]
    assert json.loads(body)["case_id"] == case_id and PLANTED not in body.decode()

    # The same event delivered again changes nothing: no second message to anyone.
    await harness.publish(envelope)
    marker = f"marker-{harness.run_id}"
    await harness.publish(harness.breach(marker))
    await harness.deliveries(marker, 3)
    assert len(harness.mailbox.to("bt@cscp.example.org", case_id)) == 1
    assert len([c for c in harness.receiver.calls if case_id.encode() in c[1]]) == 1


async def test_a_refusing_server_is_retried_then_the_failure_is_recorded_and_dead_lettered(
    harness: Harness,
) -> None:
    case_id = f"retry-{harness.run_id}"
    harness.mailbox.refuse["bt@cscp.example.org", case_id] = 2  # refused twice, then accepted
    harness.mailbox.refuse["bm@cscp.example.org", case_id] = -1  # refused for good
    await harness.publish(harness.breach(case_id))
    await harness.deliveries(case_id, 1, status="failed")
    found = await harness.deliveries(case_id, 2, status="sent")
    by_person = {d["person_id"]: d for d in found}
    assert by_person["bt"]["status"] == "sent" and by_person["bt"]["attempts"] == 3
    assert by_person["bm"]["status"] == "failed" and by_person["bm"]["attempts"] == 3
    assert "550" in by_person["bm"]["error"]
    assert by_person["chair"]["status"] == "sent"  # one failure does not stop the others

    def failed_notice(seen: list[Envelope]) -> bool:
        return any(
            e.type == NotificationSent.TYPE
            and e.subject == case_id
            and e.data["status"] == "failed"
            for e in seen
        )

    # In a thread: the handler still finishing on this event loop must not be blocked.
    await asyncio.to_thread(read_until, harness.servers.kafka, topics.NOTIFICATIONS, failed_notice)

    def dead_letter(seen: list[Envelope]) -> bool:
        letters = [
            MessageDeadLettered.model_validate(e.data)
            for e in seen
            if e.type == MessageDeadLettered.TYPE
        ]
        return any(d.key == case_id and "delivery failed" in d.reason for d in letters)

    await asyncio.to_thread(read_until, harness.servers.kafka, topics.DLQ, dead_letter)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:27017/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0x7f000001:8003/",
        "https://0x7f000001:8003/",
        "https://localhost/hook",
        "http://93.184.215.14/hook",
    ],
)
async def test_a_webhook_pointing_inside_or_without_https_is_refused_when_set(
    harness: Harness, url: str
) -> None:
    person = {
        "person_id": "intruder",
        "name": "Intruder",
        "email": "i@cscp.example.org",
        "agency": "cscp",
        "roles": ["chair"],
        "channel": "webhook",
        "webhook_url": url,
    }
    put = await harness.client.put("/v1/directory/people/intruder", json=person, headers=ADMIN)
    assert put.status_code == 422 and "webhook_url" in put.json()["detail"]
    gone = await harness.client.get("/v1/directory/people/intruder", headers=ADMIN)
    assert gone.status_code == 404


async def test_a_webhook_whose_name_now_resolves_inside_is_refused_when_sent(
    harness: Harness, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    # As if the name was public when set and its DNS now answers loopback: the store holds
    # it (no API would accept it today), and the check at sending time refuses it.
    people = mongo[f"t{harness.run_id}_notifier"]["people"]
    await people.update_one({"_id": "chair"}, {"$set": {"webhook_url": "https://localhost/hook"}})
    case_id = f"rebound-{harness.run_id}"
    await harness.publish(harness.breach(case_id))
    found = await harness.deliveries(case_id, 1, status="failed")
    [failed] = [d for d in found if d["person_id"] == "chair"]
    assert failed["attempts"] == 1  # never retried: no retry makes it acceptable
    assert "not a public address" in failed["error"]
    assert [c for c in harness.receiver.calls if case_id.encode() in c[1]] == []

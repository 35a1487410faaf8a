"""Who is told: the issue's subscriptions, proxies while a member is away, the admin API,
and no child's name in any message. Real SMTP, webhook receiver, broker and store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.contracts.clocks import ClockBreached, ClockReminderDue, ClockStarted
from sprg_shared.contracts.decisions import Decision, RulepackRef, SubjectDecided, SubjectKind
from sprg_shared.envelope import Envelope, envelope_for
from tests.conftest import bearer
from tests.e2e.stack import free_port
from tests.integration.notifier_harness import ADMIN, Notifier, Now, running_notifier
from tests.servers import Servers
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.integration

PLANTED = "Florizel Amberwick"  # a child's name that must never reach a message
TODAY = datetime(2026, 5, 13, 9, tzinfo=UTC)


def agency(agency_id: str, name: str, *codes: str) -> dict[str, Any]:
    return {"agency_id": agency_id, "name": name, "statutory_partner": bool(codes), "codes": codes}


AGENCIES = [
    agency("croydon-csc", "Croydon Children's Social Care", "csc"),
    agency("croydon-icb", "Croydon Health (ICB)", "icb"),
    agency("met-police", "Metropolitan Police", "police"),
    agency("cscp", "CSCP"),
]


def person(person_id: str, agency: str, *roles: str, **extra: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "name": person_id.replace("-", " ").title(),
        "email": f"{person_id}@example.org",
        "agency": agency,
        "roles": list(roles),
        **extra,
    }


def directory(hook_url: str) -> list[dict[str, Any]]:
    return [
        person(
            "chair",
            "croydon-csc",
            "chair",
            "sprg_member",
            proxy_id="deputy",
            absences=[{"first_day": "2026-05-11", "last_day": "2026-05-15"}],
        ),
        person("deputy", "met-police", "deputy_chair", "sprg_member"),
        person("bt", "cscp", "business_team", owns_clocks=["sin_notification"]),
        person("bm", "cscp", "business_team", "business_manager"),
        person("csc-member", "croydon-csc", "partner_member", "sprg_member"),
        person("icb-member", "croydon-icb", "partner_member", "sprg_member"),
        person(
            "police-member",
            "met-police",
            "partner_member",
            "sprg_member",
            channel="webhook",
            webhook_url=hook_url,
        ),
        person("press-csc", "croydon-csc", "press_office"),
        person("press-icb", "croydon-icb", "press_office"),
        person("press-police", "met-police", "press_office"),
        person("cscp-mailbox", "cscp", "cscp_mailbox"),
        person("scrutineer", "independent", "independent_scrutineer", "sprg_member"),
        person("csab", "csab", "csab_contact"),
    ]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    port = free_port()
    with smtp_server(port) as box:
        yield box, port


@pytest.fixture
def now() -> Now:
    return Now(TODAY)


@pytest.fixture
async def notifier(
    servers: Servers, run_id: str, mailbox: tuple[Mailbox, int], now: Now
) -> AsyncIterator[Notifier]:
    async with running_notifier(servers, run_id, mailbox, now) as running:
        for agency in AGENCIES:
            await running.put_agency(agency)
        await running.put_people(directory(running.hook_url))
        yield running


def decided(kind: SubjectKind, subject_id: str, answer: dict[str, Any]) -> SubjectDecided:
    """A rules decision on a matter, its answer shaped as the rules' packs give it."""
    return SubjectDecided(
        kind=kind,
        subject_id=subject_id,
        trigger_event_id=f"trigger-{subject_id}",
        rulepack=RulepackRef(id="test", version="1", hash="h"),
        answer={**answer, "child_name": PLANTED},
        clocks=(),
        decisions=(Decision(rule="r", outcome="o", because=(PLANTED,), source="test"),),
    )


def forecast_inquorate(subject_id: str, partner: str) -> SubjectDecided:
    unrepresented = [{"partner": partner, "name": "the Police", "apologies_from": ["DS"]}]
    return decided(
        "meeting",
        subject_id,
        {"held": False, "forecast_inquorate": True, "unrepresented": unrepresented},
    )


async def told(notifier: Notifier, envelope: Envelope) -> set[str]:
    await notifier.applied(envelope)
    return {d["person_id"] for d in await notifier.log(case_id=envelope.subject, result="sent")}


async def test_each_of_the_issues_subscriptions_tells_the_right_people(notifier: Notifier) -> None:
    r = notifier.run_id
    sin = await notifier.publish(
        ClockStarted(
            clock_id=f"sin-{r}",
            case_id=f"sin-{r}",
            kind="sin_notification",
            anchor="aware_date",
            anchor_date=date(2026, 5, 11),
            due=date(2026, 5, 18),
            calendar_version="t",
            started_by="e",
        )
    )
    assert await told(notifier, sin) == {"bt", "bm", "csc-member", "icb-member", "police-member"}

    reminder = await notifier.publish(
        ClockReminderDue(
            clock_id=f"rem-{r}",
            case_id=f"rem-{r}",
            kind="sin_notification",
            due=date(2026, 5, 18),
            offset=2,
            remind_at=TODAY,
            working_days_remaining=2,
            calendar_version="t",
        )
    )
    assert await told(notifier, reminder) == {"bt"}  # the clock's owner only

    # The Chair is away this week: the Deputy Chair, their proxy, receives instead.
    breach = await notifier.publish(
        ClockBreached(
            clock_id=f"br-{r}",
            case_id=f"br-{r}",
            kind="sin_notification",
            due=date(2026, 5, 12),
            breached_at=TODAY,
            calendar_version="t",
        )
    )
    assert await told(notifier, breach) == {"bt", "bm", "deputy"}
    [for_chair] = await notifier.log(case_id=f"br-{r}", recipient="deputy")
    assert for_chair["on_behalf_of"] == "chair" and for_chair["role"] == "chair"

    # Forecast inquorate, the Police unrepresented: the Chair (via proxy) and the Police member.
    meeting = await publish_raw(notifier, forecast_inquorate(f"mtg-{r}", "police"))
    assert await told(notifier, meeting) == {"deputy", "police-member"}
    [(headers, body)] = [c for c in notifier.receiver.calls if f"mtg-{r}".encode() in c[1]]
    assert headers["idempotency-key"] and b"proxy" in body

    # Publication: every involved agency's press office, and no other.
    offices = [
        {"agency": "croydon-icb", "status": "to_be_told"},
        {"agency": "police", "status": "to_be_told"},
        {"agency": "croydon-csc", "status": "told"},
    ]
    answer = {"publish": "report", "press_offices": offices}
    answer["press_offices_to_tell"] = ["croydon-icb", "police"]
    publication = await publish_raw(notifier, decided("lcspr_publication", f"pub-{r}", answer))
    # ...and telling them is the SPRG member's duty (the seed): each agency's SPRG members
    # are told, the press office copied.
    assert await told(notifier, publication) == {
        "press-icb",
        "press-police",
        "icb-member",
        "police-member",
        "deputy",
    }

    tracked = {"tracked": True, "cscp_copy": "outstanding", "sprg_oversight": True}
    escalation = await publish_raw(notifier, decided("escalation", f"esc-{r}", tracked))
    assert await told(notifier, escalation) == {"cscp-mailbox"}
    [mail] = notifier.mailbox.to("cscp-mailbox@example.org", f"esc-{r}")
    assert "Stage 3" in mail["Subject"]

    # After the Chair's absence, the Chair receives in person again.
    now: Now = notifier.deps().now  # type: ignore[assignment]  # the test's time source
    now.at = datetime(2026, 5, 18, 9, tzinfo=UTC)
    later = await notifier.publish(
        ClockBreached(
            clock_id=f"br2-{r}",
            case_id=f"br2-{r}",
            kind="sin_notification",
            due=date(2026, 5, 15),
            breached_at=now.at,
            calendar_version="t",
        )
    )
    assert await told(notifier, later) == {"bt", "bm", "chair"}

    # No child's name anywhere: not in a mail, a webhook body, or the delivery log.
    assert notifier.mailbox.messages and notifier.receiver.calls
    assert all(PLANTED not in m.as_string() for m in notifier.mailbox.messages)
    assert all(PLANTED.encode() not in body for _, body in notifier.receiver.calls)
    assert PLANTED not in str(await notifier.log(limit="1000"))


async def publish_raw(notifier: Notifier, event: SubjectDecided) -> Envelope:
    """The event with a child's name planted beside its fields (it must reach no one)."""
    envelope = envelope_for(event, source="sprg/test")
    envelope = envelope.model_copy(update={"data": {**envelope.data, "child_name": PLANTED}})
    await notifier.republish(envelope, topics.DECISIONS)
    return envelope


async def test_subscriptions_are_data_kept_through_an_admin_api(notifier: Notifier) -> None:
    client = notifier.client
    listed = (await client.get("/v1/subscriptions", headers=ADMIN)).json()
    assert {s["name"] for s in listed} >= {
        "sin-required",
        "clock-reminder",
        "clock-breached",
        "meeting-forecast-inquorate",
        "lcspr-publication",
        "escalation-stage-3",
    }
    forbidden = await client.get(
        "/v1/subscriptions", headers=bearer("met-police", Role.SPRG_MEMBER)
    )
    assert forbidden.status_code == 403
    assert (await client.get("/v1/subscriptions")).status_code == 401

    new = {
        "name": "breach-to-scrutineer",
        "event": "sprg.clock.breached.v1",
        "template": "clock_breached",
        "recipients": [{"role": "independent_scrutineer"}],
    }
    bad_template = await client.put(
        "/v1/subscriptions/breach-to-scrutineer",
        json={**new, "template": "no_such_template"},
        headers=ADMIN,
    )
    assert bad_template.status_code == 422 and "no_such_template" in bad_template.text
    bad_role = await client.put(
        "/v1/subscriptions/breach-to-scrutineer",
        json={**new, "recipients": [{"role": "lord_mayor"}]},
        headers=ADMIN,
    )
    assert bad_role.status_code == 422 and "lord_mayor" in bad_role.text
    put = await client.put("/v1/subscriptions/breach-to-scrutineer", json=new, headers=ADMIN)
    assert put.status_code == 200, put.text
    got = await client.get("/v1/subscriptions/breach-to-scrutineer", headers=ADMIN)
    assert got.json()["recipients"] == [
        {"role": "independent_scrutineer", "agencies_from": None, "only_if": None}
    ]

    # The running notifier uses it at once: the scrutineer is told of the next breach.
    r = notifier.run_id
    breach = await notifier.publish(
        ClockBreached(
            clock_id=f"k-{r}",
            case_id=f"sub-{r}",
            kind="rapid_review",
            due=date(2026, 5, 12),
            breached_at=TODAY,
            calendar_version="t",
        ),
        child_name=PLANTED,
    )
    assert "scrutineer" in await told(notifier, breach)
    assert all(PLANTED not in m.as_string() for m in notifier.mailbox.messages)


async def test_the_delivery_log_filters_by_recipient_and_result(notifier: Notifier) -> None:
    r = notifier.run_id
    notifier.mailbox.refuse["bm@example.org", f"log-{r}"] = -1
    breach = await notifier.publish(
        ClockBreached(
            clock_id=f"k-{r}",
            case_id=f"log-{r}",
            kind="sin_notification",
            due=date(2026, 5, 12),
            breached_at=TODAY,
            calendar_version="t",
        )
    )
    [failed] = await notifier.wait_log(1, case_id=f"log-{r}", result="failed")
    assert failed["person_id"] == "bm" and "550" in failed["error"] and failed["attempts"] == 3
    [bt] = await notifier.wait_log(1, case_id=f"log-{r}", recipient="bt")
    assert bt["status"] == "sent" and bt["channel"] == "email" and bt["sent_at"]
    assert bt["template"] == "clock_breached" and bt["trigger_event_id"] == breach.id
    metrics = (await notifier.client.get("/metrics")).text
    counted = 'sprg_notifier_notifications_total{channel="email",result="%s",template="%s"}'
    assert f"{counted % ('failed', 'clock_breached')} 1.0" in metrics
    # bm's two retries (a fresh group reads the shared topic's history too, so "sent"
    # counts other tests' events; only this case's recipient is ever refused)
    assert f"{counted % ('retried', 'clock_breached')} 2.0" in metrics


async def test_a_refusing_webhook_is_retried_under_one_idempotency_key(notifier: Notifier) -> None:
    r = notifier.run_id
    notifier.receiver.refuse[f"mtg2-{r}"] = 2  # 503 twice, then accepted
    meeting = await publish_raw(notifier, forecast_inquorate(f"mtg2-{r}", "police"))
    assert await told(notifier, meeting) == {"deputy", "police-member"}
    [entry] = await notifier.log(case_id=f"mtg2-{r}", recipient="police-member")
    assert entry["status"] == "sent" and entry["attempts"] == 3 and entry["channel"] == "webhook"
    [(headers, body)] = [c for c in notifier.receiver.calls if f"mtg2-{r}".encode() in c[1]]
    keys = {h["idempotency-key"] for h, _ in [*notifier.receiver.refused, (headers, body)]}
    assert keys == {entry["_id"]}  # the refused tries and the accepted one: one key
    assert len(notifier.receiver.refused) == 2

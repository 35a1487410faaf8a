"""The scheduler's report duties produce reports, and the notifier sends them, on the real
broker, store and SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from email.message import Message
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_reporting.bootstrap import build
from sprg_reporting.settings import ReportingSettings
from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.contracts.clocks import ClockStarted, DutyDue
from sprg_shared.contracts.reports import ReportPublished
from sprg_shared.envelope import Envelope, EventData, envelope_for, read_event
from sprg_shared.ids import new_id
from sprg_shared.metrics import bus_metrics
from tests.conftest import bearer
from tests.e2e.stack import free_port
from tests.http_server import serving
from tests.integration.kafka_helpers import read_until, wait_until_handled
from tests.integration.notifier_harness import Now, running_notifier
from tests.integration.test_reporting import SOURCES, on_own_topics
from tests.servers import Servers
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.integration

READER = bearer("cscp", Role.SPRG_MEMBER)


def report_duty(meeting: date, due: date) -> DutyDue:
    meeting_id = f"sprg-meeting-{meeting.isoformat()}"
    return DutyDue(
        duty_id=f"{meeting_id}/report",
        duty="bimonthly_report",
        due=due,
        stage="due",
        title=f"Bi-monthly report for the SPRG meeting of {meeting}",
        details={"meeting_id": meeting_id, "meeting_date": meeting.isoformat()},
    )


async def announced(settings: ReportingSettings) -> list[ReportPublished]:
    """Every announcement, once reporting has handled everything sent to it (it handles
    different duties at once: the committed offset, not the order of announcements, says
    all were handled, duplicates included)."""
    await asyncio.to_thread(
        wait_until_handled,
        settings.kafka_bootstrap_servers,
        settings.consumer_group,
        settings.source_topics,
    )
    found = await asyncio.to_thread(
        read_until,
        settings.kafka_bootstrap_servers,
        settings.reports_topic,
        lambda seen: any(e.data.get("kind") == "executive_quarterly" for e in seen),
        90,
    )
    return [e for e in map(read_event, found) if isinstance(e, ReportPublished)]


@pytest.fixture
async def reporting(servers: Servers, run_id: str) -> AsyncIterator[tuple[str, ReportingSettings]]:
    settings = on_own_topics(servers, run_id, source_partitions=1)
    async with serving(build(settings)) as url:
        yield url, settings


async def test_a_report_duty_produces_the_report_and_announces_it_once(
    reporting: tuple[str, ReportingSettings], servers: Servers
) -> None:
    url, settings = reporting
    clocks_topic = settings.source_topics[SOURCES.index(topics.CLOCKS)]
    producer = Producer(servers.kafka, "test-scheduler", bus_metrics(CollectorRegistry(), "t"))

    async def send(event: EventData, envelope: Envelope | None = None) -> Envelope:
        envelope = envelope or envelope_for(event, source="sprg/scheduler")
        await producer.publish(clocks_topic, envelope)
        return envelope

    try:
        # A fact the report counts: a SIN clock due in January 2027, never met.
        await send(
            ClockStarted(
                clock_id=f"clk-{new_id()}",
                case_id="case-duty-1",
                kind="sin_notification",
                anchor="aware_date",
                anchor_date=date(2027, 1, 5),
                due=date(2027, 1, 12),
                calendar_version="test",
                started_by="t",
            )
        )
        # Reporting handles different keys at once: the fact is counted before the duty
        # comes (a report counts what was handled before its duty fired).
        await asyncio.to_thread(
            wait_until_handled,
            settings.kafka_bootstrap_servers,
            settings.consumer_group,
            settings.source_topics,
        )
        duty = report_duty(meeting=date(2027, 3, 11), due=date(2027, 2, 25))
        first = await send(duty)
        await send(duty, first)  # the same delivery again (a redelivery)
        await send(duty)  # the scheduler firing it again, under another event id
        # Ignored: the reminder of the same duty, and a duty that is not a report.
        await send(duty.model_copy(update={"stage": "reminder"}))
        await send(
            DutyDue(
                duty_id="sprg-meeting-2027-03-11",
                duty="sprg_meeting",
                due=date(2027, 3, 11),
                stage="due",
                title="SPRG meeting",
            )
        )
        # Another duty's report: announced too, in whichever order the two are handled.
        await send(
            DutyDue(
                duty_id="executive_update-2027-04-29",
                duty="executive_update",
                due=date(2027, 4, 29),
                stage="due",
                title="Quarterly update to the Executive Group (2027-04-29)",
            )
        )
        events = await announced(settings)
    finally:
        producer.close()

    assert sorted(e.report_id for e in events) == [
        "executive_quarterly:2027-Q1",
        "sprg_bimonthly:2027-01",
    ]
    [bimonthly] = [e for e in events if e.kind == "sprg_bimonthly"]
    assert (bimonthly.period_start, bimonthly.period_end) == (date(2027, 1, 1), date(2027, 2, 28))
    assert bimonthly.path == "/v1/reports/sprg_bimonthly/2027-01/report.html"
    assert bimonthly.counts["clocks_open"] == 1
    assert bimonthly.counts["clocks_overdue"] == 1

    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb, tz_aware=True)
    try:
        saved = await mongo[settings.database]["reports"].find_one({"_id": bimonthly.report_id})
    finally:
        await mongo.close()
    assert saved is not None and saved["path"] == bimonthly.path
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        latest = await client.get("/v1/reports/latest/sprg_bimonthly", headers=READER)
        assert latest.status_code == 307
        assert latest.headers["location"] == bimonthly.path
        page = await client.get(bimonthly.path, headers=READER)
        assert page.status_code == 200 and "SPRG report" in page.text


# --- the notifier sends it -------------------------------------------------------------


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    port = free_port()
    with smtp_server(port) as box:
        yield box, port


def person(person_id: str, agency: str, *roles: str) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "name": person_id,
        "email": f"{person_id}@example.org",
        "agency": agency,
        "roles": list(roles),
    }


async def test_a_published_report_is_emailed_to_the_sprg_members_with_its_link_and_counts(
    servers: Servers, run_id: str, mailbox: tuple[Mailbox, int]
) -> None:
    now = Now(datetime(2027, 2, 25, 9, tzinfo=UTC))
    async with running_notifier(
        servers,
        run_id,
        mailbox,
        now,
        console_url="https://console.example.org/",
        consumer_start_at=datetime.now(UTC),
    ) as notifier:
        await notifier.put_people(
            [
                person("chair", "croydon-csc", "chair", "sprg_member"),
                person("icb-member", "croydon-icb", "partner_member", "sprg_member"),
                person("bm", "cscp", "business_manager"),
                person("dcs", "croydon-csc", "executive_group"),
            ]
        )
        marker = int(run_id, 16) % 10**6  # tells this run's message from any other
        event = ReportPublished(
            report_id="sprg_bimonthly:2027-01",
            kind="sprg_bimonthly",
            period_start=date(2027, 1, 1),
            period_end=date(2027, 2, 28),
            produced_at=now.at,
            path="/v1/reports/sprg_bimonthly/2027-01/report.html",
            counts={"rapid_review_opened": marker, "clocks_overdue": 3},
        )
        envelope = await notifier.publish(event)
        await notifier.applied(envelope)
        await notifier.republish(envelope, topics.REPORTS)  # delivered twice
        await notifier.wait_log(2, result="sent")

        link = "https://console.example.org/reports/sprg_bimonthly/2027-01"  # the console's page
        mails = [m for m in notifier.mailbox.messages if f"opened: {marker}" in text_of(m)]
        assert sorted(m["To"] for m in mails) == ["chair@example.org", "icb-member@example.org"]
        for mail in mails:
            assert mail["Subject"] == "SPRG bi-monthly report, 2027-01-01 to 2027-02-28"
            assert link in text_of(mail)
            assert "clocks overdue: 3" in text_of(mail)
            assert link in text_of(mail, "text/html")


def text_of(mail: Message, kind: str = "text/plain") -> str:
    for part in mail.walk():
        if part.get_content_type() == kind:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    return ""

"""Reporting over a year of a partnership's events, on the real broker and store.

The generated events are published to this run's own topics; the reporting service
(real HTTP, real consumer group) folds them into FerretDB; the reports are read over
HTTP, opened in headless Chromium, rebuilt from the topics and compared.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_intake.bootstrap import build as create_intake
from sprg_intake.settings import IntakeSettings
from sprg_reporting.adapters.repository import READ_MODELS, ReadModels
from sprg_reporting.bootstrap import build
from sprg_reporting.domain.dated_models import COLLECTIONS
from sprg_reporting.domain.periods import period_containing
from sprg_reporting.handlers.read_models import fold
from sprg_reporting.public import rebuild  # what `sprg reporting rebuild` runs
from sprg_reporting.settings import ReportingSettings
from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.contracts.clocks import ClockPaused, ClockResumed
from sprg_shared.contracts.decisions import CaseAssessed, RulepackRef
from sprg_shared.contracts.intake import LcsprFactorsRecorded
from sprg_shared.contracts.reports import ReportPublished
from sprg_shared.envelope import Envelope, envelope_for, read_event
from sprg_shared.metrics import bus_metrics
from tests.browser import artifact, browser_page
from tests.conftest import bearer
from tests.http_server import serving
from tests.integration.kafka_helpers import create_topic, read_until
from tests.partnership_year import Year, generate
from tests.servers import Servers

pytestmark = pytest.mark.integration

READER = bearer("cscp", Role.EXECUTIVE_READER)
BUSINESS = bearer("cscp", Role.BUSINESS_TEAM)
SPLIT = "2030-06-30T23:59:59+00:00"  # phase 1 publishes what was known by then
SOURCES = (topics.INTAKE, topics.DECISIONS, topics.CLOCKS, topics.NOTIFICATIONS)


@dataclass
class Loaded:
    client: httpx.AsyncClient
    today: Today
    url: str
    year: Year
    settings: ReportingSettings
    db: Any
    early_may_report: dict[str, Any]
    timings: dict[str, float]


@dataclass
class Today:
    """The reporting app's today, which a test may move (the year's data are in 2030)."""

    day: date = date(2031, 1, 5)

    def __call__(self) -> date:
        return self.day


def publish(bootstrap: str, names: dict[str, str], envelopes: list[Envelope]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    try:
        for envelope in envelopes:
            topic = names[type(read_event(envelope)).TOPIC]
            producer.send(topic, key=envelope.subject.encode(), value=envelope.to_bytes())
        producer.flush(timeout=60)
    finally:
        producer.close()


async def caught_up(db: Any, count: int, deadline: float = 120) -> None:
    """Wait until the consumer's ledger holds ``count`` applied events."""
    stop = time.monotonic() + deadline
    while (seen := await db["applied_events"].count_documents({})) < count:
        if time.monotonic() > stop:
            raise AssertionError(f"reporting applied {seen} of {count} events in {deadline}s")
        await asyncio.sleep(0.5)


async def state(db: Any) -> dict[str, list[str]]:
    """Every read model, documents and their histories in a canonical order (sets)."""

    def canonical(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, default=str))
        return value

    found: dict[str, list[str]] = {}
    for name in READ_MODELS:
        docs = [canonical(d) async for d in db[name].find({})]
        found[name] = sorted(json.dumps(d, default=str) for d in docs)
    return found


def on_own_topics(
    servers: Servers, run: str, source_partitions: int, consumers: int = 1
) -> ReportingSettings:
    """Reporting settings on topics of this run's own (created here), which other tests'
    events never reach; the reports topic has one partition, as on the real bus."""
    names = own_topic_names(run)
    for t, name in names.items():
        create_topic(
            servers.kafka, name, partitions=1 if t == topics.REPORTS else source_partitions
        )
    return ReportingSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        database=f"t{run}_reporting",
        consumer_group=f"t{run}-reporting",
        source_topics=tuple(names[t] for t in SOURCES),
        reports_topic=names[topics.REPORTS],
        http_port=0,
        consumers=consumers,
    )


def own_topic_names(run: str) -> dict[str, str]:
    return {t: f"{t}.{run}" for t in (*SOURCES, topics.REPORTS)}


@pytest.fixture(scope="module")
async def loaded(servers: Servers) -> AsyncIterator[Loaded]:
    run = f"rep{time.monotonic_ns() % 10**9}"
    settings = on_own_topics(servers, run, source_partitions=3, consumers=3)
    names = own_topic_names(run)
    year = generate(seed=2030, year=2030, rapid_reviews=24, cases_of_concern=24, escalations=20)
    in_order = sorted(year.events, key=lambda e: e.time)
    first = [e for e in in_order if e.time.isoformat() <= SPLIT]
    rest = [e for e in in_order if e.time.isoformat() > SPLIT]
    assert first and rest
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb, tz_aware=True)
    db = mongo[settings.database]
    timings: dict[str, float] = {}
    today = Today()
    async with (
        serving(build(settings, today=today)) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as client,
    ):
        started = time.monotonic()
        await asyncio.to_thread(publish, servers.kafka, names, first)
        await caught_up(db, len(first))
        early = (await client.get("/v1/reports/sprg_bimonthly/2030-05", headers=READER)).json()
        await asyncio.to_thread(publish, servers.kafka, names, rest)
        await caught_up(db, len(year.events))
        timings["incremental_seconds"] = time.monotonic() - started
        timings["events"] = len(year.events)
        yield Loaded(client, today, url, year, settings, db, early, timings)
    await mongo.close()


async def test_a_past_period_is_produced_again_as_it_stood(loaded: Loaded) -> None:
    again = await loaded.client.get("/v1/reports/sprg_bimonthly/2030-05", headers=READER)
    assert again.status_code == 200
    assert again.json() == loaded.early_may_report
    later = await loaded.client.get("/v1/reports/sprg_bimonthly/2030-11", headers=READER)
    assert later.json()["headline"] != loaded.early_may_report["headline"]


@pytest.mark.parametrize("month", [1, 5, 9, 11])
async def test_timeliness_in_the_store_is_what_the_clocks_did(loaded: Loaded, month: int) -> None:
    response = await loaded.client.get(
        f"/v1/reports/sprg_bimonthly/2030-{month:02d}", headers=READER
    )
    report = response.json()
    rows = {
        row[0]: row[1:4] for t in report["tables"] if t["name"] == "timeliness" for row in t["rows"]
    }
    end = report["period_end"]
    for kind, measure in (
        ("sin_notification", "SIN within 5 working days"),
        ("rapid_review", "Rapid Review within 15 working days"),
    ):
        due = [
            t
            for t in loaded.year.truth
            if t.kind == kind and report["period_start"] <= t.due.isoformat() <= end
        ]
        outcomes = [t.outcome(date.fromisoformat(end)) for t in due]
        assert rows[measure] == [
            outcomes.count("on_time"),
            outcomes.count("late"),
            outcomes.count("open"),
        ]


async def test_a_period_not_over_yet_stands_at_today(loaded: Loaded) -> None:
    """Opened mid-period, the report counts nothing due after today as late or overdue."""
    mid = date(2030, 6, 20)
    loaded.today.day = mid
    try:
        report = (
            await loaded.client.get("/v1/reports/sprg_bimonthly/2030-05", headers=READER)
        ).json()
        page = await loaded.client.get(
            "/v1/reports/sprg_bimonthly/2030-05/report.html", headers=READER
        )
    finally:
        loaded.today.day = Today.day
    assert (report["as_at"], report["period_end"]) == (mid.isoformat(), "2030-06-30")
    assert "the position at the end of 2030-06-20 (the period runs to 2030-06-30)" in page.text
    rows = {
        row[0]: row[1:4] for t in report["tables"] if t["name"] == "timeliness" for row in t["rows"]
    }
    due = [
        t
        for t in loaded.year.truth
        if t.kind == "sin_notification" and date(2030, 5, 1) <= t.due <= date(2030, 6, 30)
    ]
    outcomes = [t.outcome(mid) for t in due]
    on_time, late, still_open = rows["SIN within 5 working days"]
    assert (on_time, late) == (outcomes.count("on_time"), outcomes.count("late"))
    # Clocks due after the 20th are open (or not started yet), never late.
    assert still_open <= outcomes.count("open")
    assert any(t.due > mid and t.outcome(date(2030, 6, 30)) == "late" for t in due), (
        "the year should hold a SIN clock that breached after the 20th, to show it is not late yet"
    )


async def test_reports_cover_dozens_of_each_kind_of_review(loaded: Loaded) -> None:
    quarterly = await loaded.client.get("/v1/reports/executive_quarterly/2030-Q4", headers=READER)
    trends = next(t for t in quarterly.json()["tables"] if t["name"] == "trends")
    opened = {row[0]: sum(row[1:]) for row in trends["rows"] if row[0].endswith("opened")}
    by_type = Counter(read_event(e).TYPE for e in loaded.year.events)
    formal = {
        e.data["escalation_id"]
        for e in loaded.year.events
        if e.type == "sprg.escalation.recorded.v1" and e.data["stage"] >= 3
    }
    commissioned = [e for e in loaded.year.events if e.data.get("decision") == "commission"]
    assert opened == {
        "rapid review opened": by_type["sprg.case.assessed.v1"],
        "case of concern opened": by_type["sprg.coc.referred.v1"],
        "escalation opened": len(formal),
        "lcspr opened": len(commissioned),
    }
    assert min(opened.values()) >= 5
    assert by_type["sprg.case.assessed.v1"] >= 20
    assert quarterly.json()["attention"]


async def test_produced_reports_are_announced_and_readable_in_a_browser(loaded: Loaded) -> None:
    produced = {}
    for kind, period in (("sprg_bimonthly", "2030-11"), ("executive_quarterly", "2030-Q4")):
        response = await loaded.client.post(f"/v1/reports/{kind}/{period}", headers=BUSINESS)
        assert response.status_code == 200, response.text
        produced[kind] = response.json()
    assert (
        await loaded.client.post("/v1/reports/sprg_bimonthly/2030-11", headers=READER)
    ).status_code == 403
    announced = await asyncio.to_thread(
        read_until,
        loaded.settings.kafka_bootstrap_servers,
        loaded.settings.reports_topic,
        lambda seen: len(seen) >= 2,
    )
    events = [read_event(e) for e in announced]
    assert {e.report_id for e in events if isinstance(e, ReportPublished)} == {
        "sprg_bimonthly:2030-11",
        "executive_quarterly:2030-Q4",
    }
    latest = await loaded.client.get("/v1/reports/latest/sprg_bimonthly", headers=READER)
    assert latest.status_code == 307
    assert latest.headers["location"] == produced["sprg_bimonthly"]["path"]

    csv_text = (
        await loaded.client.get("/v1/reports/sprg_bimonthly/2030-11/reviews.csv", headers=READER)
    ).text
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][:4] == ["review", "type", "opened", "status"]
    assert len(rows) > 20

    async with browser_page() as page:
        await page.set_extra_http_headers(READER)
        for kind, announcement in produced.items():
            opened = await page.goto(loaded.url + announcement["path"])
            assert opened is not None and opened.status == 200
            assert await page.locator("svg.chart").count() >= 3
            assert await page.locator("table").count() >= 4
            await page.screenshot(path=str(artifact(f"report-{kind}.png")), full_page=True)
        await page.emulate_media(media="print")
        await page.screenshot(path=str(artifact("report-print.png")), full_page=True)


async def test_rebuild_from_the_topics_equals_the_incremental_state(loaded: Loaded) -> None:
    # The history holds paused and resumed clocks and LCSPR factors, which are folded too.
    types = {e.type for e in loaded.year.events}
    assert {ClockPaused.TYPE, ClockResumed.TYPE, LcsprFactorsRecorded.TYPE} <= types
    incremental = await state(loaded.db)
    before = (await loaded.client.get("/v1/reports/sprg_bimonthly/2030-09", headers=READER)).json()
    started = time.monotonic()
    folded = await rebuild(loaded.settings)
    loaded.timings["rebuild_seconds"] = time.monotonic() - started
    assert folded == len(loaded.year.events)
    rebuilt = await state(loaded.db)
    assert rebuilt == incremental
    assert sum(len(v) for v in rebuilt.values()) > 300
    after = (await loaded.client.get("/v1/reports/sprg_bimonthly/2030-09", headers=READER)).json()
    assert after == before

    # Old events applied again, out of order and past the ledger, change no dated read model
    # (the per-case view behind /v1/cases keeps the last value set, so only an immediate
    # redelivery is harmless there: the ledger covers the rest).
    models = ReadModels(loaded.db)
    for envelope in loaded.year.events[:150]:
        await fold(read_event(envelope), envelope, models=models)
    again = await state(loaded.db)
    assert {k: v for k, v in again.items() if k in COLLECTIONS} == {
        k: v for k, v in incremental.items() if k in COLLECTIONS
    }
    print(f"\nreporting timings: {loaded.timings}")  # noqa: T201 - measurement for the lead


PLANTED = "Ottoline Marchbanks"
PLANTED_ADDRESS = "7 Planted Lane"


async def test_a_childs_name_given_to_intake_never_reaches_a_report(
    servers: Servers, run_id: str, pii_key: str
) -> None:

    intake_settings = IntakeSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        pii_key=pii_key,
        database=f"t{run_id}_intake",
        http_port=0,
        outbox_poll_seconds=0.2,
    )
    settings = ReportingSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        database=f"t{run_id}_reporting",
        consumer_group=f"t{run_id}-reporting",
        http_port=0,
        # A new group on the shared topics: from now, not through what earlier runs left.
        consumer_start_at=datetime.now(UTC) - timedelta(seconds=5),
    )
    report = {
        "aware_date": "2026-11-02",
        "event": {
            "kind": "death",
            "date": "2026-11-01",
            "location": "in_area",
            "abuse_or_neglect": "suspected",
        },
        "children": [
            {
                "name": PLANTED,
                "date_of_birth": "2019-02-22",
                "address": PLANTED_ADDRESS,
                "looked_after": False,
                "care_leaver": False,
                "normally_resident_in_area": True,
            }
        ],
        "summary": f"{PLANTED} was known to services.",
    }
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb, tz_aware=True)
    db = mongo[settings.database]
    producer = Producer(servers.kafka, "test-rules", bus_metrics(CollectorRegistry(), "t"))
    try:
        async with (
            serving(create_intake(intake_settings)) as intake_url,
            serving(build(settings)) as url,
            httpx.AsyncClient(timeout=60) as http,
        ):
            submitter = bearer("croydon-csc", Role.AGENCY_SUBMITTER)
            created = await http.post(f"{intake_url}/v1/incidents", json=report, headers=submitter)
            assert created.status_code in (200, 201), created.text
            case_id = created.json()["case_id"]
            # What the rules service would decide: the Rapid Review the report then lists.
            assessed = CaseAssessed(
                case_id=case_id,
                trigger_event_id="t",
                rulepack=RulepackRef(id="sin", version="1", hash="h"),
                panel_notification_required=True,
                panel_notification_subsection="a",
                notifying_area="this_area",
                rapid_review_required=True,
                dfe_ofsted_reasons=(),
                csab_liaison_required=False,
                clocks=(),
                decisions=(),
            )
            await producer.publish(topics.DECISIONS, envelope_for(assessed, source="sprg/rules"))
            deadline = time.monotonic() + 90
            while not (
                await db["cases"].find_one({"_id": case_id})
                and await db["reviews"].find_one({"_id": f"rapid_review:{case_id}"})
            ):
                assert time.monotonic() < deadline, "reporting never folded the case"
                await asyncio.sleep(0.5)
            period = period_containing("sprg_bimonthly", datetime.now(UTC).date()).label
            base = f"{url}/v1/reports/sprg_bimonthly/{period}"
            as_json = (await http.get(base, headers=READER)).text
            page = (await http.get(f"{base}/report.html", headers=READER)).text
            tables = [t["name"] for t in json.loads(as_json)["tables"]]
            csvs = [(await http.get(f"{base}/{t}.csv", headers=READER)).text for t in tables]
            reference = created.json()["reference"]
            assert reference in as_json and reference in page  # the case is in the report
            documents = json.dumps(
                [d for name in READ_MODELS async for d in db[name].find({})], default=str
            )
            for text in (as_json, page, *csvs, documents):
                assert PLANTED not in text
                assert "Marchbanks" not in text
                assert PLANTED_ADDRESS not in text
                assert "2019-02-22" not in text
    finally:
        producer.close()
        await mongo.close()

"""Assessments start, re-anchor and stop clocks in the real store; the API lists and closes them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sprg_scheduler.adapters.metrics import ClockGauges
from sprg_scheduler.adapters.repository import ClockQuery
from sprg_scheduler.bootstrap import build
from sprg_scheduler.domain.clocks import clock_id_for
from sprg_scheduler.handlers.clocks import mark_met, on_case_assessed
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import ClockMet
from sprg_shared.envelope import envelope_for
from tests.conftest import bearer as bearer_of
from tests.http_server import serving
from tests.integration.test_scheduler_firing import (
    Harness,
    assessed,
    clock_due,
    harness,
    read_to_end,
)
from tests.servers import Servers
from tests.unit.test_scheduler_schedule import utc

pytestmark = pytest.mark.integration
__all__ = ["harness"]  # the fixture, shared with the firing tests


async def test_a_corrected_assessment_recalculates_keeps_history_and_stops_what_it_drops(
    harness: Harness,
) -> None:
    case_id = harness.case(1)
    harness.clock.at(utc(2026, 4, 2, 9))
    first = await harness.assess(
        case_id,
        clock_due("sin_notification", date(2026, 4, 13), date(2026, 4, 2)),
        clock_due("dfe_ofsted_notification", date(2026, 4, 13), date(2026, 4, 2)),
    )
    harness.clock.at(utc(2026, 4, 3, 10))
    corrected = assessed(
        case_id, clock_due("sin_notification", date(2026, 4, 8), date(2026, 3, 31))
    )
    envelope = envelope_for(corrected, source="sprg/rules")
    await on_case_assessed(corrected, envelope, harness.deps)
    await on_case_assessed(corrected, envelope, harness.deps)  # redelivered: nothing more

    sin = await harness.repo.get(clock_id_for(case_id, "sin_notification"))
    dfe = await harness.repo.get(clock_id_for(case_id, "dfe_ofsted_notification"))
    assert sin is not None and dfe is not None
    assert [(h.change, h.due, h.by_event) for h in sin.clock.history] == [
        ("started", date(2026, 4, 13), first),
        ("recalculated", date(2026, 4, 8), envelope.id),
    ]
    assert sin.clock.history[1].changed_at == utc(2026, 4, 3, 10)
    assert (dfe.clock.state, dfe.clock.ended_by) == ("stopped", envelope.id)
    assert "no longer required" in (dfe.clock.end_reason or "")

    events = harness.events({case_id})
    assert sorted(e.type for e in events) == sorted(
        [
            "sprg.clock.started.v1",
            "sprg.clock.started.v1",
            "sprg.clock.recalculated.v1",
            "sprg.clock.recalculated.v1",  # re-announced on redelivery ...
            "sprg.clock.stopped.v1",
            "sprg.clock.stopped.v1",
        ]
    )
    assert len({e.id for e in events}) == 4  # ... with the same ids, which consumers skip
    recalculated = next(e for e in events if e.type == "sprg.clock.recalculated.v1")
    assert (recalculated.data["previous_due"], recalculated.data["due"]) == (
        "2026-04-13",
        "2026-04-08",
    )
    # The corrected due date's first reminder (2 April) is already past: fired at once.
    assert await harness.replica("r").tick() == 1


async def test_list_filters_and_gauges_count_clocks_by_state(harness: Harness) -> None:
    harness.clock.at(utc(2026, 12, 21, 12))
    early, near, late, done = (harness.case(n) for n in range(4))
    await harness.assess(early, clock_due("sin_notification", date(2027, 1, 15)))
    await harness.assess(near, clock_due("sin_notification", date(2026, 12, 23)))
    await harness.assess(late, clock_due("sin_notification", date(2026, 12, 18)))
    await harness.assess(done, clock_due("rapid_review", date(2027, 1, 15)))
    met = await harness.repo.get(clock_id_for(done, "rapid_review"))
    assert met is not None
    await mark_met(met.clock.clock_id, date(2026, 12, 21), "user:bt", harness.deps)
    today = date(2026, 12, 21)

    async def listed(state: str) -> set[str]:
        found = await harness.repo.find(ClockQuery(state=state, today=today), limit=100)
        return {c.case_id for c in found}

    assert await listed("open") == {early, near, late}
    assert await listed("at_risk") == {near}
    assert await listed("overdue") == {late}
    assert await listed("met") == {done}
    assert {c.case_id for c in await harness.repo.find(ClockQuery(case_id=near), limit=9)} == {near}

    registry = CollectorRegistry()
    gauges = ClockGauges(registry)
    await gauges.refresh(harness.repo, today, utc(2026, 12, 21, 12))

    def gauge(kind: str, state: str) -> float | None:
        return registry.get_sample_value("sprg_scheduler_clocks", {"kind": kind, "state": state})

    def view(kind: str, name: str) -> float | None:
        return registry.get_sample_value("sprg_scheduler_clocks_view", {"kind": kind, "view": name})

    assert gauge("sin_notification", "open") == 3
    assert gauge("rapid_review", "met") == 1
    # The same meaning as the list filters above, for the statutory dashboard and alerts.
    assert view("sin_notification", "open") == 3
    assert view("sin_notification", "at_risk") == 1
    # Its reminder was planned for 08:00 and nothing has ticked since: behind.
    assert view("sin_notification", "at_risk_unreminded") == 1
    assert view("sin_notification", "overdue") == 1
    assert view("rapid_review", "open") == 0
    # At 07:00 that reminder is not due yet: nothing is behind.
    await gauges.refresh(harness.repo, today, utc(2026, 12, 21, 7))
    assert view("sin_notification", "at_risk_unreminded") == 0
    assert view("sin_notification", "at_risk") == 1
    assert gauge("rapid_review", "open") == 0


@pytest.fixture
async def scheduler(servers: Servers, run_id: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = SchedulerSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        database=f"t{run_id}_scheduler",
        consumer_group=f"t{run_id}-scheduler",
        # Only this test's events: other tests' decisions on the shared topics stay out.
        consumer_start_at=datetime.now(UTC),
        http_port=0,
        tick_seconds=0.2,
        gauge_refresh_seconds=0.2,
    )
    async with (
        serving(build(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=15) as client,
    ):
        yield client


def bearer(role: Role) -> dict[str, str]:
    return bearer_of("cscp", role, subject="u1")


async def test_the_api_lists_clocks_with_working_days_remaining_and_records_them_met(
    scheduler: httpx.AsyncClient, harness: Harness
) -> None:
    # The app runs on the wall clock: a clock due 10 working days from today.
    today = datetime.now(UTC).date()
    due = WorkingDayCalendar().add_working_days(today, 10)
    harness.clock.at(datetime.now(UTC))
    case_id = harness.case(1)
    await harness.assess(case_id, clock_due("sin_notification", due))

    listed = await scheduler.get(
        "/v1/clocks", params={"case_id": case_id}, headers=bearer(Role.SPRG_MEMBER)
    )
    assert listed.status_code == 200, listed.text
    (clock,) = listed.json()
    assert (clock["working_days_remaining"], clock["at_risk"], clock["state"]) == (
        10,
        False,
        "open",
    )
    assert [h["due"] for h in clock["history"]] == [due.isoformat()]

    url = f"/v1/clocks/{clock['clock_id']}/met"
    body = {"met_on": today.isoformat()}
    assert (
        await scheduler.post(url, json=body, headers=bearer(Role.SPRG_MEMBER))
    ).status_code == 403
    met = await scheduler.post(url, json=body, headers=bearer(Role.BUSINESS_TEAM))
    assert met.status_code == 200, met.text
    assert (met.json()["state"], met.json()["next_fire_at"]) == ("met", None)
    again = await scheduler.post(url, json=body, headers=bearer(Role.BUSINESS_TEAM))
    assert again.status_code == 200
    missing = await scheduler.post(
        "/v1/clocks/nope/met", json=body, headers=bearer(Role.BUSINESS_TEAM)
    )
    assert missing.status_code == 404

    found = read_to_end(harness.servers.kafka, topics.CLOCKS)  # the app publishes for real
    events = [e for e in found if e.subject == case_id and e.type == ClockMet.TYPE]
    assert len({e.id for e in events}) == 1  # the repeated request re-announced the same fact
    gauge = 'sprg_scheduler_clocks{kind="sin_notification",state="met"}'
    async with asyncio.timeout(20):  # refreshed by the app's loop every 0.2 s
        while gauge not in (await scheduler.get("/metrics")).text:
            await asyncio.sleep(0.2)


async def test_an_assessment_saying_the_sin_went_in_time_meets_the_clock_and_it_never_fires(
    harness: Harness,
) -> None:
    case_id = harness.case(1)
    harness.clock.at(utc(2026, 4, 2, 9))
    sin = clock_due("sin_notification", date(2026, 4, 13), date(2026, 4, 2))
    await harness.assess(case_id, sin)
    harness.clock.at(utc(2026, 4, 8, 15))
    submitted = await harness.assess(case_id, sin.model_copy(update={"status": "met"}))
    stored = await harness.repo.get(clock_id_for(case_id, "sin_notification"))
    assert stored is not None
    assert (stored.clock.state, stored.clock.met_on, stored.clock.ended_by) == (
        "met",
        date(2026, 4, 8),
        submitted,
    )
    loop = harness.replica("r")
    for day in range(8, 20):
        harness.clock.at(utc(2026, 4, day, 12))
        assert await loop.tick() == 0
    assert [e.type for e in harness.events({case_id})] == [
        "sprg.clock.started.v1",
        "sprg.clock.met.v1",
    ]

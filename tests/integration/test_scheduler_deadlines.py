"""Clocks beyond the case's assessment: escalation stage targets, information and IMR
requests, action due dates. Against the real broker and store; time is a ``FakeClock``."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sprg_scheduler.domain.clocks import clock_id_for
from sprg_scheduler.handlers.clocks import (
    on_action_recorded,
    on_information_requested,
    on_return_received,
    on_subject_decided,
)
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.contracts.decisions import ClockDue, RulepackRef, SubjectDecided
from sprg_shared.contracts.intake import ActionRecorded, InformationRequested, ReturnReceived
from sprg_shared.envelope import Envelope, EventData, envelope_for
from sprg_shared.metrics import bus_metrics
from tests.integration.test_scheduler_clocks import bearer, scheduler
from tests.integration.test_scheduler_firing import Harness, assessed, clock_due, harness
from tests.servers import Servers
from tests.unit.test_scheduler_schedule import utc

pytestmark = pytest.mark.integration
__all__ = ["harness", "scheduler"]  # fixtures


def requested(
    case_id: str, request_id: str, due: date, kind: str = "information"
) -> InformationRequested:
    return InformationRequested.model_validate(
        {
            "case_id": case_id,
            "request_id": request_id,
            "agency": "police",
            "kind": kind,
            "requested_date": date(2026, 4, 1),
            "due_date": due,
            "requested_at": utc(2026, 4, 1, 10),
        }
    )


def returned(case_id: str, request_id: str, on: date) -> ReturnReceived:
    return ReturnReceived(
        case_id=case_id,
        request_id=request_id,
        agency="police",
        received_date=on,
        documents=1,
        received_at=datetime.combine(on, datetime.min.time(), UTC),
    )


def action(
    source_id: str, action_id: str, due: date, status: str = "open", updated: date | None = None
) -> ActionRecorded:
    return ActionRecorded.model_validate(
        {
            "action_id": action_id,
            "source_id": source_id,
            "owner_agency": "health",
            "owner_role": "designated nurse",
            "due_date": due,
            "status": status,
            "updated_date": updated or date(2026, 4, 1),
            "recorded_at": utc(2026, 4, 1, 10),
        }
    )


def escalation_decided(
    escalation_id: str, due: date, status: str | None = "open", case_id: str | None = None
) -> SubjectDecided:
    return SubjectDecided(
        kind="escalation",
        subject_id=escalation_id,
        case_id=case_id,
        trigger_event_id="escalation-recorded",
        rulepack=RulepackRef(id="escalation", version="test", hash="h"),
        answer={"tracked": False},
        clocks=(
            ClockDue.model_validate(
                {
                    "kind": "escalation_stage",
                    "anchor": "stage_started_date",
                    "anchor_date": due - timedelta(days=7),
                    "due": due,
                    "rule": "escalation.stage_target",
                    "status": status,
                }
            ),
        ),
        decisions=(),
    )


async def handle(handler: Any, event: EventData, harness: Harness) -> str:
    envelope = envelope_for(event, source="sprg/test")
    await handler(event, envelope, harness.deps)
    return envelope.id


async def test_a_request_clock_runs_to_the_coordinators_date_moves_and_is_met_by_the_return(
    harness: Harness,
) -> None:
    case_id = harness.case(1)
    harness.clock.at(utc(2026, 4, 1, 10))
    first = await handle(
        on_information_requested, requested(case_id, "req-1", date(2026, 4, 15)), harness
    )
    imr = await handle(
        on_information_requested, requested(case_id, "req-2", date(2026, 4, 20), "imr"), harness
    )
    # The case's own assessment lists none of them: it must not stop them.
    await harness.assess(case_id, clock_due("sin_notification", date(2026, 4, 8)))
    moved = await handle(
        on_information_requested, requested(case_id, "req-1", date(2026, 4, 17)), harness
    )
    harness.clock.at(utc(2026, 4, 21, 10))
    late = await handle(on_return_received, returned(case_id, "req-2", date(2026, 4, 21)), harness)
    repeat = returned(case_id, "req-2", date(2026, 4, 21))
    await handle(on_return_received, repeat, harness)  # another delivery: nothing new

    info = await harness.repo.get(clock_id_for(case_id, "information_request", "req-1"))
    ret = await harness.repo.get(clock_id_for(case_id, "imr_return", "req-2"))
    assert info is not None and ret is not None
    assert (info.clock.key, info.clock.state, info.clock.due) == (
        "req-1",
        "open",
        date(2026, 4, 17),
    )
    assert [(h.due, h.by_event) for h in info.clock.history] == [
        (date(2026, 4, 15), first),
        (date(2026, 4, 17), moved),
    ]
    assert "new deadline" in info.clock.history[1].reason
    assert (ret.clock.state, ret.clock.met_on, ret.clock.late) == ("met", date(2026, 4, 21), True)
    assert ret.clock.started_by == imr and ret.clock.ended_by == late

    events = harness.events({case_id})
    started = [e for e in events if e.type == "sprg.clock.started.v1"]
    assert sorted(e.data["key"] for e in started if e.data["key"]) == ["req-1", "req-2"]
    met = {e.id for e in events if e.type == "sprg.clock.met.v1"}
    assert len(met) == 1
    assert not [e for e in events if e.type == "sprg.clock.stopped.v1"]
    # req-1 was still open on 21 April, after its due date: it breached; req-2 never fires.
    fired = await harness.replica("r").tick()
    assert fired >= 1
    after = await harness.repo.get(clock_id_for(case_id, "information_request", "req-1"))
    assert after is not None and after.clock.state == "breached"


async def test_an_action_clock_moves_with_its_due_date_and_ends_when_done_or_dropped(
    harness: Harness,
) -> None:
    meeting = f"meeting-{harness.run_id}"
    harness.clock.at(utc(2026, 4, 1, 10))
    await handle(on_action_recorded, action(meeting, "a1", date(2026, 5, 1)), harness)
    await handle(on_action_recorded, action(meeting, "a2", date(2026, 5, 1)), harness)
    # Updated without a new date: nothing moves.
    same = action(meeting, "a1", date(2026, 5, 1), updated=date(2026, 4, 10))
    await handle(on_action_recorded, same, harness)
    moved = action(meeting, "a1", date(2026, 5, 15), updated=date(2026, 4, 20))
    await handle(on_action_recorded, moved, harness)
    done = action(meeting, "a1", date(2026, 5, 15), "done", updated=date(2026, 5, 12))
    done_id = await handle(on_action_recorded, done, harness)
    dropped = action(meeting, "a2", date(2026, 5, 1), "dropped", updated=date(2026, 4, 22))
    await handle(on_action_recorded, dropped, harness)

    a1 = await harness.repo.get(clock_id_for(meeting, "action_due", "a1"))
    a2 = await harness.repo.get(clock_id_for(meeting, "action_due", "a2"))
    assert a1 is not None and a2 is not None
    assert [h.due for h in a1.clock.history] == [date(2026, 5, 1), date(2026, 5, 15)]
    assert (a1.clock.state, a1.clock.met_on, a1.clock.late, a1.clock.ended_by) == (
        "met",
        date(2026, 5, 12),
        False,
        done_id,
    )
    assert (a2.clock.state, a2.clock.end_reason) == ("stopped", "the action was dropped")
    types = [e.type for e in harness.events({meeting})]
    assert types.count("sprg.clock.started.v1") == 2
    assert types.count("sprg.clock.recalculated.v1") == 1
    # Neither ends up reminding or breaching.
    for day in (28, 29, 30):
        harness.clock.at(utc(2026, 5, day, 12))
        assert await harness.replica("r").tick() == 0


async def test_an_escalation_stage_target_starts_moves_with_the_stage_and_is_met_on_resolution(
    harness: Harness,
) -> None:
    escalation = f"esc-{harness.run_id}"
    harness.clock.at(utc(2026, 4, 1, 10))
    await handle(on_subject_decided, escalation_decided(escalation, date(2026, 4, 10)), harness)
    stage2 = await handle(
        on_subject_decided, escalation_decided(escalation, date(2026, 4, 24)), harness
    )
    harness.clock.at(utc(2026, 4, 20, 10))
    resolved = await handle(
        on_subject_decided, escalation_decided(escalation, date(2026, 4, 24), "met"), harness
    )
    # A matter on a case leaves the case's clocks to the case's own assessment.
    on_case = escalation_decided(f"lcspr-{harness.run_id}", date(2026, 4, 24), case_id="c1")
    await handle(on_subject_decided, on_case, harness)

    stored = await harness.repo.get(clock_id_for(escalation, "escalation_stage"))
    assert stored is not None
    clock = stored.clock
    assert (clock.case_id, clock.state, clock.met_on, clock.ended_by) == (
        escalation,
        "met",
        date(2026, 4, 20),
        resolved,
    )
    assert [(h.due, h.change) for h in clock.history] == [
        (date(2026, 4, 10), "started"),
        (date(2026, 4, 24), "recalculated"),
    ]
    assert clock.history[1].by_event == stage2
    assert (
        await harness.repo.get(clock_id_for(f"lcspr-{harness.run_id}", "escalation_stage")) is None
    )
    assert [e.type for e in harness.events({escalation})] == [
        "sprg.clock.started.v1",
        "sprg.clock.recalculated.v1",
        "sprg.clock.met.v1",
    ]


async def test_the_service_follows_requests_returns_and_escalations_on_the_bus(
    servers: Servers, run_id: str, scheduler: httpx.AsyncClient
) -> None:
    case_id, escalation = f"case-{run_id}", f"esc-{run_id}"
    today = datetime.now(UTC).date()
    producer = Producer(servers.kafka, f"test-{run_id}", bus_metrics(CollectorRegistry(), "t"))

    async def send(event: EventData) -> Envelope:
        envelope = envelope_for(event, source="sprg/test")
        await producer.publish(event.TOPIC, envelope)
        return envelope

    async def listed(subject: str, count: int) -> list[dict[str, Any]]:
        async with asyncio.timeout(60):
            while True:
                response = await scheduler.get(
                    "/v1/clocks", params={"case_id": subject}, headers=bearer(Role.SPRG_MEMBER)
                )
                assert response.status_code == 200, response.text
                found: list[dict[str, Any]] = response.json()
                if len(found) >= count:
                    return found
                await asyncio.sleep(0.3)

    try:
        request = requested(case_id, "req-9", today + timedelta(days=30)).model_copy(
            update={"requested_date": today}
        )
        await send(request)
        await send(escalation_decided(escalation, today + timedelta(days=20)))
        await send(assessed(case_id, clock_due("sin_notification", today + timedelta(days=7))))
        (esc,) = await listed(escalation, 1)
        assert (esc["kind"], esc["state"]) == ("escalation_stage", "open")
        clocks = await listed(case_id, 2)
        assert {(c["kind"], c["key"]) for c in clocks} == {
            ("information_request", "req-9"),
            ("sin_notification", None),
        }
        await send(returned(case_id, "req-9", today))
        async with asyncio.timeout(60):
            while True:
                clocks = await listed(case_id, 2)
                info = next(c for c in clocks if c["key"] == "req-9")
                if info["state"] == "met":
                    break
                await asyncio.sleep(0.3)
        assert (info["met_on"], info["late"]) == (today.isoformat(), False)
    finally:
        await asyncio.to_thread(producer.close)

"""Closure days on the real store and broker: pending until confirmed, then each clock they
move is recalculated once, with the version as its reason, and every replica learns it."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from sprg_scheduler.adapters.calendar_store import CalendarStore
from sprg_scheduler.adapters.claims import FiringClaims
from sprg_scheduler.domain.clocks import clock_id_for
from sprg_scheduler.handlers import calendar as calendar_admin
from sprg_scheduler.handlers.calendar import CalendarDeps, CalendarRefused
from sprg_scheduler.handlers.firing import FiringLoop
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.calendar import CalendarVersioned
from sprg_shared.envelope import Envelope, EventData, envelope_for
from tests.integration.kafka_helpers import create_topic
from tests.integration.test_scheduler_firing import Harness, clock_due, harness, read_to_end
from tests.unit.test_scheduler_calendar_versions import KINDS
from tests.unit.test_scheduler_schedule import POLICY, utc

pytestmark = pytest.mark.integration
__all__ = ["harness"]

EASTER_CLOSURE = date(2026, 4, 8)


class Replica:
    """One scheduler replica's calendar administration over the shared store."""

    def __init__(self, harness: Harness, mongo: AsyncMongoClient[Any]) -> None:
        self.harness = harness
        self.calendar_topic = f"test.calendar.{harness.run_id}"
        self.clocks = dataclasses.replace(
            harness.deps,
            publish=self.publish,
            calendar=WorkingDayCalendar(),
            calendar_version=WorkingDayCalendar().version,
            kinds=KINDS,
        )
        store = CalendarStore(mongo[f"t{harness.run_id}_scheduler"])
        self.deps = CalendarDeps(store=store, clocks=self.clocks)

    async def publish(self, event: EventData, event_id: str, trace: str | None) -> Envelope:
        if isinstance(event, CalendarVersioned):
            envelope = envelope_for(event, source="sprg/scheduler", event_id=event_id)
            await self.harness.producer.publish(self.calendar_topic, envelope)
            return envelope
        return await self.harness.publish(event, event_id, trace)


@pytest.fixture
def replicas(harness: Harness, mongo: AsyncMongoClient[Any]) -> tuple[Replica, Replica]:
    first = Replica(harness, mongo)
    create_topic(harness.servers.kafka, first.calendar_topic)
    return first, Replica(harness, mongo)


async def test_a_closure_moves_no_due_date_until_confirmed_then_each_clock_it_falls_in_once(
    harness: Harness, replicas: tuple[Replica, Replica]
) -> None:
    here, there = replicas
    inside, outside = harness.case(1), harness.case(2)
    harness.clock.at(utc(2026, 4, 2, 9))
    # Aware 2 April: due 13 April over Easter (the closure on the 8th is inside the count).
    await harness.assess(inside, clock_due("sin_notification", date(2026, 4, 13), date(2026, 4, 2)))
    # Aware 23 April: due 30 April (the closure is before its anchor).
    await harness.assess(
        outside, clock_due("sin_notification", date(2026, 4, 30), date(2026, 4, 23))
    )
    await harness.assess(
        harness.case(3), clock_due("lcspr_completion", date(2026, 10, 2), date(2026, 4, 2))
    )

    await calendar_admin.add_closure(EASTER_CLOSURE, "office move", "user:bt", here.deps)
    with pytest.raises(CalendarRefused, match="already"):
        await calendar_admin.add_closure(EASTER_CLOSURE, "again", "user:bt", there.deps)
    with pytest.raises(CalendarRefused, match="not a working day"):
        await calendar_admin.add_closure(date(2026, 4, 6), "Easter Monday", "user:bt", here.deps)

    proposal = await calendar_admin.propose(there.deps)
    assert proposal.proposed_version == "ew-bank-holidays+closures.1"
    assert [(m.case_id, m.old_due, m.new_due) for m in proposal.moves] == [
        (inside, date(2026, 4, 13), date(2026, 4, 14))
    ]
    stored = await harness.repo.get(clock_id_for(inside, "sin_notification"))
    assert stored is not None and stored.clock.due == date(2026, 4, 13)  # nothing moved yet
    assert not here.clocks.calendar.closures  # nor is it in force anywhere

    with pytest.raises(CalendarRefused, match="now version 1"):
        await calendar_admin.confirm(7, "user:bt", here.deps)
    harness.clock.at(utc(2026, 4, 3, 10))
    confirmed = await calendar_admin.confirm(1, "user:bt2", here.deps)
    assert (confirmed.number, confirmed.clocks_recalculated) == (1, 1)
    with pytest.raises(CalendarRefused, match="no pending"):
        await calendar_admin.confirm(None, "user:bt2", there.deps)

    stored = await harness.repo.get(clock_id_for(inside, "sin_notification"))
    assert stored is not None
    assert (stored.clock.due, stored.clock.calendar_version) == (
        date(2026, 4, 14),
        "ew-bank-holidays+closures.1",
    )
    assert [(h.change, h.due) for h in stored.clock.history] == [
        ("started", date(2026, 4, 13)),
        ("recalculated", date(2026, 4, 14)),
    ]
    moved = [e for e in harness.events({inside, outside}) if e.type.endswith("recalculated.v1")]
    assert len(moved) == 1
    assert moved[0].subject == inside
    assert "ew-bank-holidays+closures.1" in moved[0].data["reason"]
    assert "2026-04-08 (office move)" in moved[0].data["reason"]

    # The whole version is on the (compacted) calendar topic, for the rules service.
    (announced,) = read_to_end(harness.servers.kafka, here.calendar_topic)
    assert announced.type == CalendarVersioned.TYPE
    assert announced.data["closures"] == [{"date": "2026-04-08", "reason": "office move"}]

    # The other replica picks the version up from the store.
    assert EASTER_CLOSURE not in there.clocks.calendar.closures
    assert EASTER_CLOSURE in (await calendar_admin.refresh(there.deps)).closures

    # And fires on the moved date: the reminder planned for the 9th (2 working days before
    # the 13th) now goes out on the 10th (2 working days before the 14th).
    loop = FiringLoop(
        repo=harness.repo,
        claims=FiringClaims(harness.repo, "r", timedelta(seconds=30)),
        publish=harness.publish,
        now=harness.clock,
        policy=POLICY,
        calendar=lambda: there.clocks.calendar,
    )
    harness.clock.at(utc(2026, 4, 9, 12))
    assert await loop.tick() == 0
    harness.clock.at(utc(2026, 4, 10, 7))
    assert await loop.tick() == 1
    reminder = [e for e in harness.events({inside}) if e.type.endswith("reminder_due.v1")]
    assert [(r.data["due"], r.data["working_days_remaining"]) for r in reminder] == [
        ("2026-04-14", 2)
    ]


async def test_a_new_closure_is_counted_from_the_version_a_clock_was_issued_under(
    harness: Harness, replicas: tuple[Replica, Replica]
) -> None:
    here, _ = replicas
    case_id = harness.case(1)
    harness.clock.at(utc(2026, 4, 2, 9))
    await harness.assess(
        case_id, clock_due("sin_notification", date(2026, 4, 13), date(2026, 4, 2))
    )
    await calendar_admin.add_closure(EASTER_CLOSURE, "office move", "user:bt", here.deps)
    await calendar_admin.confirm(None, "user:bt", here.deps)
    await calendar_admin.add_closure(date(2026, 4, 10), "strike", "user:bt", here.deps)
    await calendar_admin.add_closure(date(2026, 5, 5), "training", "user:bt", here.deps)
    proposal = await calendar_admin.propose(here.deps)
    assert [(m.old_due, m.new_due) for m in proposal.moves] == [
        (date(2026, 4, 14), date(2026, 4, 15))
    ]
    second = await calendar_admin.confirm(2, "user:bt", here.deps)
    assert [c.date for c in second.closures] == [
        EASTER_CLOSURE,
        date(2026, 4, 10),
        date(2026, 5, 5),
    ]
    stored = await harness.repo.get(clock_id_for(case_id, "sin_notification"))
    assert stored is not None
    assert [h.due for h in stored.clock.history] == [
        date(2026, 4, 13),
        date(2026, 4, 14),
        date(2026, 4, 15),
    ]

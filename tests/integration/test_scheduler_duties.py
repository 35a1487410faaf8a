"""Duty clocks on the real store and broker: synced from the schedule once however often
(and by however many replicas), each reminder and due day published once, and an edit
of the schedule followed."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from sprg_scheduler.adapters.duty_store import DutyScheduleStore
from sprg_scheduler.domain.duties import DUTY_KINDS, Meeting
from sprg_scheduler.handlers import duties as duty_handlers
from sprg_scheduler.handlers.duties import DutyDeps
from sprg_shared.contracts.clocks import DutyDue
from tests.integration.test_scheduler_firing import Harness, harness, read_to_end, steps
from tests.unit.test_scheduler_schedule import utc

pytestmark = pytest.mark.integration
__all__ = ["harness"]


@pytest.fixture
def duty_deps(harness: Harness, mongo: AsyncMongoClient[Any]) -> DutyDeps:
    return DutyDeps(
        store=DutyScheduleStore(mongo[f"t{harness.run_id}_scheduler"]), clocks=harness.deps
    )


def duty_events(harness: Harness) -> list[tuple[str, str, str]]:
    found = read_to_end(harness.servers.kafka, harness.topic)
    return [(e.subject, e.data["stage"], e.data["due"]) for e in found if e.type == DutyDue.TYPE]


async def test_duties_fire_each_reminder_and_due_day_once_across_two_replicas(
    harness: Harness, duty_deps: DutyDeps
) -> None:
    harness.clock.at(utc(2026, 12, 1, 9))
    first, again = await asyncio.gather(
        duty_handlers.sync(duty_deps), duty_handlers.sync(duty_deps)
    )
    stored = await harness.repo.for_kinds(sorted(DUTY_KINDS))
    # 6 meetings x (meeting, papers, report), 4 quarterly updates, 1 ToR review in 12 months.
    assert len(stored) == 6 * 3 + 4 + 1
    assert first.added + again.added == len(stored)  # two replicas syncing: each added once
    assert duty_events(harness) == []  # nothing announced before it falls due

    a, b = harness.replica("a"), harness.replica("b")
    for now in steps(utc(2026, 12, 1), utc(2027, 1, 15), timedelta(hours=4)):
        harness.clock.at(now)
        await asyncio.gather(a.tick(), b.tick())
    published = duty_events(harness)
    assert set(Counter(published).values()) == {1}
    assert ("sprg-meeting-2027-01-14/papers", "reminder", "2027-01-07") in published
    assert ("sprg-meeting-2027-01-14/papers", "due", "2027-01-07") in published
    assert ("sprg-meeting-2027-01-14/report", "due", "2026-12-30") in published
    assert ("sprg-meeting-2027-01-14", "due", "2027-01-14") in published
    assert not any(subject.startswith("sprg-meeting-2027-03") for subject, _, _ in published)


async def test_an_edited_schedule_stops_what_it_drops_and_adds_what_it_adds(
    harness: Harness, duty_deps: DutyDeps
) -> None:
    harness.clock.at(utc(2026, 12, 1, 9))
    await duty_handlers.sync(duty_deps)
    number, current = await duty_handlers.in_force(duty_deps)
    assert number == 0  # the packaged schedule until the Business Team saves one
    meetings = list(current.meetings)
    meetings[1] = Meeting(date=date(2027, 3, 18), chair="police", deputy_chair="icb")
    edited = current.model_copy(update={"meetings": tuple(meetings)})
    synced = await duty_handlers.replace_schedule(edited, "user:bt", duty_deps)
    assert (synced.schedule_version, synced.added, synced.stopped) == (1, 3, 3)
    by_id = {s.clock.case_id: s.clock for s in await harness.repo.for_kinds(["sprg_meeting"])}
    assert by_id["sprg-meeting-2027-03-11"].state == "stopped"
    assert by_id["sprg-meeting-2027-03-11"].end_reason == "taken off the duty schedule"
    assert by_id["sprg-meeting-2027-03-18"].state == "open"
    assert (await duty_handlers.in_force(duty_deps))[0] == 1

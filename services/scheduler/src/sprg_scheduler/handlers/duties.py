"""Keeping the duty clocks in step with the schedule the Business Team edits.

``sync`` turns the schedule in force into duty clocks (from today to its horizon): a
new occurrence gets a clock (a unique insert: replicas syncing at once add it once), a
moved one is re-dated with its history, one taken off the schedule is stopped. It runs
at start, after each edit, and every so often (the horizon moves on; a confirmed
calendar version can move a papers deadline). The firing loop does the rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from importlib.resources import files

from sprg_scheduler.adapters.duty_store import DutyScheduleStore
from sprg_scheduler.domain import duties, lifecycle, schedule
from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.domain.duties import DUTY_KINDS, DutySchedule, Meeting
from sprg_scheduler.handlers.clocks import SchedulerDeps, _change

log = logging.getLogger(__name__)


class ScheduleConflict(Exception):
    """Someone else saved the schedule at the same moment: read it again."""


@dataclass(frozen=True)
class DutyDeps:
    store: DutyScheduleStore
    clocks: SchedulerDeps


@dataclass(frozen=True)
class Synced:
    schedule_version: int
    added: int
    moved: int
    stopped: int


def packaged_schedule() -> DutySchedule:
    text = files("sprg_scheduler").joinpath("config", "sprg_schedule.yaml").read_text("utf-8")
    return DutySchedule.parse(text)


async def in_force(deps: DutyDeps) -> tuple[int, DutySchedule]:
    """The schedule in force, with every meeting intake recorded: one meeting, one identity
    (``sprg-meeting-<date>``), whether the Business Team planned it here or recorded it there."""
    number, plan, recorded = await planned_and_recorded(deps)
    if not recorded:
        return number, plan
    meetings = tuple(sorted((*plan.meetings, *recorded), key=lambda m: m.date))
    # Not validated again: a meeting recorded is a fact, so the chair's rotation (a rule
    # for planning) does not refuse it.
    return number, plan.model_copy(update={"meetings": meetings})


async def planned_and_recorded(deps: DutyDeps) -> tuple[int, DutySchedule, list[Meeting]]:
    """The version and plan the Business Team saved (or the packaged one), and the meetings
    intake recorded on days the plan has none."""
    latest = await deps.store.latest()
    number, plan = (latest.number, latest.schedule) if latest else (0, packaged_schedule())
    planned = {m.date for m in plan.meetings}
    recorded = [
        Meeting(date=date.fromisoformat(doc["date"]), chair=doc["chair"])
        for doc in await deps.store.recorded_meetings()
        if date.fromisoformat(doc["date"]) not in planned
    ]
    return number, plan, recorded


async def replace_schedule(new: DutySchedule, by: str, deps: DutyDeps) -> Synced:
    number, _ = await in_force(deps)
    if not await deps.store.save(number + 1, new, by, deps.clocks.now()):
        raise ScheduleConflict(f"schedule version {number + 1} was saved by someone else")
    return await sync(deps)


async def sync(deps: DutyDeps) -> Synced:
    """Bring the duty clocks in line with the schedule in force.

    Two syncs can overlap (a replica's hourly one and an edit): one working from an older
    version never stops a clock a newer version added, and each goes round again if the
    version changed while it worked, so the last to finish works from the latest."""
    while True:
        number, plan = await in_force(deps)
        result = await _sync(number, plan, deps)
        if (await in_force(deps))[0] == number:
            return result


def _version_of(clock: Clock) -> int:
    prefix, _, number = clock.started_by.rpartition(".")
    return int(number) if prefix == "duty-schedule" and number.isdigit() else 0


async def _sync(number: int, plan: DutySchedule, deps: DutyDeps) -> Synced:
    c = deps.clocks
    by = f"duty-schedule.{number}"
    now = c.now()
    today = c.policy.today(now)
    wanted = {
        duties.duty_clock_id(o.duty_id): o for o in duties.occurrences(plan, today, c.calendar)
    }
    added = moved = stopped = 0
    for clock_id, occurrence in wanted.items():
        stored = await c.repo.get(clock_id)
        if stored is None:
            fresh = duties.duty_clock(
                occurrence, schedule_id=by, now=now, version=c.calendar_version
            )
            added += await c.repo.add(schedule.planned(fresh, c.policy, c.calendar))
            continue
        before = stored.clock

        def redo(clock: Clock, o: duties.Occurrence = occurrence) -> Clock | None:
            changed = duties.reschedule(clock, o, by=by, now=now)
            return None if changed is None else schedule.planned(changed, c.policy, c.calendar)

        after = await _change(clock_id, redo, c)
        moved += after.due != before.due
    # Read after the additions: a meeting intake recorded while this sync worked from a plan
    # without it is never taken off (a recorded meeting stays: it is a fact).
    recorded = {str(doc["_id"]) for doc in await deps.store.recorded_meetings()}
    for stored in await c.repo.for_kinds(sorted(DUTY_KINDS)):
        clock = stored.clock
        if clock.clock_id in wanted or not clock.active or clock.due < today:
            continue
        if _version_of(clock) > number:
            continue  # a newer schedule added it while this sync was working
        if clock.case_id.split("/")[0] in recorded:
            continue
        await _change(
            clock.clock_id,
            lambda x: lifecycle.stop(
                x, outcome="stopped", reason="taken off the duty schedule", by=by, now=now
            ),
            c,
        )
        stopped += 1
    result = Synced(number, added, moved, stopped)
    if added or moved or stopped:
        log.info("duty clocks synced", extra=result.__dict__)
    return result

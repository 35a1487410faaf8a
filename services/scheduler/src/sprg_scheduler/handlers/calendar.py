"""Closure days: added (pending), proposed (which clocks would move), confirmed (in force).

Every scheduler replica reads the version in force from the store (``refresh``, each
tick); the rules service learns it from the compacted ``sprg.calendar`` topic, on which
confirmation publishes the whole version (every closure day it holds).

Confirmation, step by step, each step safe to repeat after a crash:
1. create version N+1 (a unique insert: one administrator wins a race);
2. mark the pending days as held by it;
3. recalculate each running clock it moves (event id derived from the version, so a
   repeated step re-announces the same ``ClockRecalculated``);
4. publish ``CalendarVersioned``; mark the version applied.
A version created but not applied (a crash) is finished by the next ``confirm``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sprg_scheduler.adapters.calendar_store import CalendarStore, CalendarVersion
from sprg_scheduler.domain import lifecycle
from sprg_scheduler.domain.calendar_change import (
    Move,
    Proposal,
    moves,
    reason_for,
    version_event_id,
)
from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.handlers.clocks import SchedulerDeps, _announce, _change
from sprg_shared.calendar import BASE_VERSION, WorkingDayCalendar
from sprg_shared.contracts.calendar import CalendarVersioned, Closure

log = logging.getLogger(__name__)


class CalendarRefused(Exception):
    """The closure day or the confirmation cannot be accepted (the message says why)."""


@dataclass(frozen=True)
class CalendarDeps:
    store: CalendarStore
    clocks: SchedulerDeps


async def refresh(deps: CalendarDeps) -> WorkingDayCalendar:
    """Put the latest confirmed version in force for this replica."""
    latest = await deps.store.latest()
    calendar = latest.calendar() if latest is not None else WorkingDayCalendar()
    if calendar != deps.clocks.calendar and calendar.version != BASE_VERSION:
        deps.clocks.use_calendar(calendar)
        log.info("calendar version in force", extra={"version": calendar.version})
    return deps.clocks.calendar


async def add_closure(day: date, reason: str, by: str, deps: CalendarDeps) -> Closure:
    if not WorkingDayCalendar().is_working_day(day):
        raise CalendarRefused(f"{day} is not a working day anyway (weekend or bank holiday)")
    closure = Closure(date=day, reason=reason)
    if not await deps.store.add_closure(closure, by, deps.clocks.now()):
        raise CalendarRefused(f"{day} is already a closure day (pending or confirmed)")
    log.info("closure day pending", extra={"date": day.isoformat()})
    return closure


async def propose(deps: CalendarDeps) -> Proposal:
    """What confirming the pending closure days would do (nothing changes)."""
    latest = await deps.store.latest()
    pending = tuple(await deps.store.pending())
    number = (latest.number if latest else 0) + 1
    held = latest.closures if latest else ()
    new = WorkingDayCalendar.numbered(number, frozenset(c.date for c in (*held, *pending)))
    found = await _moves(new, pending, deps)
    return Proposal(
        current_version=latest.name if latest else BASE_VERSION,
        proposed_version=new.version,
        proposed_number=number,
        pending=pending,
        moves=tuple(found),
    )


async def _moves(
    new: WorkingDayCalendar, added: tuple[Closure, ...], deps: CalendarDeps
) -> list[Move]:
    if not added:
        return []
    running = await deps.clocks.repo.running(min(c.date for c in added))
    issued = {v.name: v.calendar() for v in await deps.store.versions()}
    return moves(running, new, issued)


async def confirm(expected: int | None, by: str, deps: CalendarDeps) -> CalendarVersioned:
    """Put the pending closure days in force and move the clocks they move."""
    latest = await deps.store.latest()
    if latest is not None and not latest.applied:
        return await _apply(latest, deps)  # finish what a crash interrupted
    proposal = await propose(deps)
    if not proposal.pending:
        raise CalendarRefused("no pending closure days to confirm")
    if expected is not None and expected != proposal.proposed_number:
        raise CalendarRefused(
            f"the proposal is now version {proposal.proposed_number}, not {expected}: "
            "look at it again before confirming"
        )
    held = latest.closures if latest else ()
    closures = tuple(sorted((*held, *proposal.pending), key=lambda c: c.date))
    now = deps.clocks.now()
    if not await deps.store.create_version(proposal.proposed_number, closures, by, now):
        raise CalendarRefused("another administrator confirmed a version just now: look again")
    await deps.store.include([c.date for c in proposal.pending], proposal.proposed_number)
    version = await deps.store.latest()
    assert version is not None  # created above
    return await _apply(version, deps)


async def _apply(version: CalendarVersion, deps: CalendarDeps) -> CalendarVersioned:
    previous = {
        c.date for v in await deps.store.versions() if v.number < version.number for c in v.closures
    }
    added = tuple(c for c in version.closures if c.date not in previous)
    new = version.calendar()
    event_id = version_event_id(new.version)
    reason = reason_for(new.version, added)
    moved = 0
    for move in await _moves(new, added, deps):

        def recalendar(clock: Clock, due: date = move.new_due) -> Clock | None:
            return lifecycle.recalendar(
                clock,
                new_due=due,
                calendar_version=new.version,
                reason=reason,
                event_id=event_id,
                now=version.confirmed_at,
                policy=deps.clocks.policy,
                calendar=new,
            )

        clock = await _change(move.clock_id, recalendar, deps.clocks)
        await _announce(clock, event_id, None, deps.clocks)
        moved += 1
    event = CalendarVersioned(
        version=new.version,
        number=version.number,
        closures=version.closures,
        confirmed_by=version.confirmed_by,
        confirmed_at=version.confirmed_at,
        clocks_recalculated=moved,
    )
    await deps.clocks.publish(event, event_id, None)
    await deps.store.mark_applied(version.number, moved)
    deps.clocks.use_calendar(new)
    log.info("calendar version confirmed", extra={"version": new.version, "moved": moved})
    return event

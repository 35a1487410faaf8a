"""What happens when a decision (or a person) changes a clock.

A ``CaseAssessed`` starts the clocks it lists, re-anchors those whose due date moved
(the history keeps every due date and the event that set it) and stops the clocks it
no longer lists. Every change is one conditional single-document write (``rev``);
what it announces is derived from the stored clock, so a redelivery after a crash
between the write and the publish announces the same events with the same ids.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sprg_scheduler.adapters.repository import ClockRepository, Stored
from sprg_scheduler.domain import lifecycle
from sprg_scheduler.domain.clocks import Clock, clock_id_for
from sprg_scheduler.domain.kinds import ClockKinds
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.events import CaseAssessed, ClockDue
from sprg_shared.tracing import child_traceparent

log = logging.getLogger(__name__)

_ATTEMPTS = 10


class ClockNotFound(Exception):
    """No clock has this id."""


class ConcurrentChange(Exception):
    """The clock kept changing under us; the caller retries the whole message."""


@dataclass
class SchedulerDeps:
    repo: ClockRepository
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    calendar_version: str
    calendar: WorkingDayCalendar
    """The calendar version in force; replaced when an administrator confirms a new one."""
    policy: ReminderPolicy
    kinds: ClockKinds = field(default_factory=ClockKinds)

    def use_calendar(self, calendar: WorkingDayCalendar) -> None:
        self.calendar, self.calendar_version = calendar, calendar.version


async def on_case_assessed(event: CaseAssessed, envelope: Envelope, deps: SchedulerDeps) -> None:
    trace = child_traceparent(envelope.traceparent)
    listed = {due.kind for due in event.clocks}
    for due in event.clocks:
        clock = await _apply_due(event.case_id, due, envelope.id, deps)
        await _announce(clock, envelope.id, trace, deps)
    reason = (
        f"no longer required by the assessment {envelope.id} "
        f"(rule pack {event.rulepack.id} {event.rulepack.version})"
    )
    for stored in await deps.repo.for_case(event.case_id):
        if stored.clock.kind in listed:
            continue
        clock = await _change(
            stored.clock.clock_id,
            lambda c: lifecycle.stop(
                c, outcome="stopped", reason=reason, by=envelope.id, now=deps.now()
            ),
            deps,
        )
        await _announce(clock, envelope.id, trace, deps)


async def _apply_due(case_id: str, due: ClockDue, event_id: str, deps: SchedulerDeps) -> Clock:
    clock = await _start_or_reanchor(case_id, due, event_id, deps)
    if due.status in {"met", "late"}:  # the fact that stops it came in
        return await _change(
            clock.clock_id,
            lambda c: lifecycle.settle(
                c, due, event_id=event_id, now=deps.now(), policy=deps.policy
            ),
            deps,
        )
    return clock


async def _start_or_reanchor(
    case_id: str, due: ClockDue, event_id: str, deps: SchedulerDeps
) -> Clock:
    clock_id = clock_id_for(case_id, due.kind)
    if await deps.repo.get(clock_id) is None:
        started = lifecycle.start(
            case_id,
            due,
            event_id=event_id,
            now=deps.now(),
            calendar_version=deps.calendar_version,
            policy=deps.policy,
            calendar=deps.calendar,
        )
        if await deps.repo.add(started):
            return started
    return await _change(
        clock_id,
        lambda c: lifecycle.apply_assessment(
            c, due, event_id=event_id, now=deps.now(), policy=deps.policy, calendar=deps.calendar
        ),
        deps,
    )


async def _change(
    clock_id: str, change: Callable[[Clock], Clock | None], deps: SchedulerDeps
) -> Clock:
    """Apply ``change`` to the stored clock with optimistic concurrency; the clock as stored."""
    for _ in range(_ATTEMPTS):
        stored: Stored | None = await deps.repo.get(clock_id)
        if stored is None:
            raise ClockNotFound(clock_id)
        changed = change(stored.clock)
        if changed is None:
            return stored.clock
        if await deps.repo.replace(changed, stored.rev):
            return changed
    raise ConcurrentChange(clock_id)


async def _announce(clock: Clock, cause: str, trace: str | None, deps: SchedulerDeps) -> None:
    for fact in lifecycle.facts_caused_by(clock, cause):
        await deps.publish(fact.event, fact.event_id, trace)
        log.info(
            "clock changed",
            extra={"case_id": clock.case_id, "kind": clock.kind, "event": fact.event.TYPE},
        )


async def mark_met(clock_id: str, met_on: date, by: str, deps: SchedulerDeps) -> Clock:
    """A person records the duty as done. Repeating it re-announces the same event."""
    clock = await _change(
        clock_id, lambda c: lifecycle.meet(c, met_on=met_on, by=by, now=deps.now()), deps
    )
    await _announce(clock, by, None, deps)
    return clock


async def mark_stopped(
    clock_id: str,
    outcome: Literal["stopped", "closed"],
    reason: str,
    by: str,
    deps: SchedulerDeps,
) -> Clock:
    """A person stops the clock (the duty no longer applies) or closes it (the case closed)."""
    clock = await _change(
        clock_id,
        lambda c: lifecycle.stop(c, outcome=outcome, reason=reason, by=by, now=deps.now()),
        deps,
    )
    await _announce(clock, by, None, deps)
    return clock


async def pause_clock(clock_id: str, on: date, reason: str, by: str, deps: SchedulerDeps) -> Clock:
    """Pause a running clock whose kind may pause (configuration); a repeat changes nothing.

    Raises ``lifecycle.NotPausable`` when policy or the clock's state forbids it."""
    stored = await deps.repo.get(clock_id)
    if stored is None:
        raise ClockNotFound(clock_id)
    if not deps.kinds.of(stored.clock.kind).pausable:
        raise lifecycle.NotPausable(f"policy does not let a {stored.clock.kind} clock pause")
    clock = await _change(
        clock_id,
        lambda c: lifecycle.pause(
            c, on=on, reason=reason, by=by, now=deps.now(), calendar=deps.calendar
        ),
        deps,
    )
    fact = lifecycle.pause_fact(clock)
    if fact is not None:
        await deps.publish(fact.event, fact.event_id, None)
    return clock


async def resume_clock(clock_id: str, on: date, by: str, deps: SchedulerDeps) -> Clock:
    """Resume a paused clock: its due date moves by the working days it was paused."""
    clock = await _change(
        clock_id,
        lambda c: lifecycle.resume(
            c, on=on, by=by, now=deps.now(), policy=deps.policy, calendar=deps.calendar
        ),
        deps,
    )
    fact = lifecycle.resume_fact(clock)
    if fact is not None:
        await deps.publish(fact.event, fact.event_id, None)
    return clock

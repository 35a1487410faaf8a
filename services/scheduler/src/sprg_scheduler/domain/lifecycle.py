"""How facts change a clock: started, re-anchored, met, stopped, closed.

Each function returns the changed clock, or None when the fact changes nothing (a
replay, or a clock already ended). What a change announces is derived from the clock
itself (``facts_caused_by``), so a handler that stored a change and crashed before
publishing announces the very same events, with the same ids, on the next delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sprg_scheduler.domain.clocks import ENDED, Clock, DueChange, new_clock
from sprg_scheduler.domain.schedule import ReminderPolicy, plan, planned
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.envelope import EventData
from sprg_shared.events import (
    ClockDue,
    ClockMet,
    ClockRecalculated,
    ClockStarted,
    ClockStopped,
)
from sprg_shared.ids import stable_id


@dataclass(frozen=True)
class Fact:
    event: EventData
    event_id: str


def start(
    case_id: str,
    due: ClockDue,
    *,
    event_id: str,
    now: datetime,
    calendar_version: str,
    policy: ReminderPolicy,
    calendar: WorkingDayCalendar,
) -> Clock:
    clock = new_clock(case_id, due, event_id=event_id, now=now, calendar_version=calendar_version)
    return planned(clock, policy, calendar)


def apply_assessment(
    clock: Clock,
    due: ClockDue,
    *,
    event_id: str,
    now: datetime,
    policy: ReminderPolicy,
    calendar: WorkingDayCalendar,
) -> Clock | None:
    """The clock once a later assessment lists it; None when nothing changes.

    A different due date (or anchor) re-anchors it and is kept in the history. A
    stopped clock listed again restarts. Met and closed clocks stay as they are. A
    breached clock whose corrected due date has not passed yet re-opens.
    """
    if any(change.by_event == event_id for change in clock.history):
        return None
    if clock.state in {"met", "closed"}:
        return None
    restart = clock.state == "stopped"
    moved = (due.due, due.anchor, due.anchor_date) != (clock.due, clock.anchor, clock.anchor_date)
    if not (moved or restart):
        return None
    change = DueChange(
        change="restarted" if restart else "recalculated",
        due=due.due,
        anchor=due.anchor,
        anchor_date=due.anchor_date,
        changed_at=now,
        by_event=event_id,
        reason="listed again by a later assessment" if restart else _why(clock, due),
    )
    update: dict[str, object] = {
        "due": due.due,
        "anchor": due.anchor,
        "anchor_date": due.anchor_date,
        "rule": due.rule,
        "history": (*clock.history, change),
    }
    breach_ahead = plan(due.due, policy, calendar)[-1].at > now
    if restart:
        update |= {"state": "open", "fired_through": None, "ended_at": None}
        update |= {"ended_by": None, "end_reason": None, "breached_at": None}
    elif clock.state != "breached" or breach_ahead:
        update |= {"state": "open", "breached_at": None}
    return planned(clock.model_copy(update=update), policy, calendar)


def _why(clock: Clock, due: ClockDue) -> str:
    if due.anchor != clock.anchor:
        return (
            f"anchor changed from {clock.anchor} ({clock.anchor_date}) to "
            f"{due.anchor} ({due.anchor_date}): due {clock.due} -> {due.due}"
        )
    if due.anchor_date != clock.anchor_date:
        return (
            f"{due.anchor} corrected from {clock.anchor_date} to {due.anchor_date}: "
            f"due {clock.due} -> {due.due}"
        )
    return f"due date recalculated: {clock.due} -> {due.due}"


def stop(
    clock: Clock,
    *,
    outcome: Literal["stopped", "closed"],
    reason: str,
    by: str,
    now: datetime,
) -> Clock | None:
    """The duty no longer applies (or the case closed); None when the clock ended already."""
    if clock.state in ENDED:
        return None
    return clock.model_copy(
        update={
            "state": outcome,
            "ended_at": now,
            "ended_by": by,
            "end_reason": reason,
            "next_fire_at": None,
        }
    )


def meet(clock: Clock, *, met_on: date, by: str, now: datetime) -> Clock | None:
    """The duty was done on ``met_on``; None when the clock ended already."""
    if clock.state in ENDED:
        return None
    return clock.model_copy(
        update={
            "state": "met",
            "met_on": met_on,
            "late": met_on > clock.due,
            "ended_at": now,
            "ended_by": by,
            "end_reason": "met",
            "next_fire_at": None,
        }
    )


def settle(
    clock: Clock, due: ClockDue, *, event_id: str, now: datetime, policy: ReminderPolicy
) -> Clock | None:
    """The clock met when the assessment says the fact that stops it arrived (``status``
    met or late); None when it says nothing of the kind or the clock ended already.

    ``ClockDue`` carries the verdict but not the day the fact arrived: until it does,
    the day is the assessment's (Europe/London), kept on the right side of the due date.
    """
    if due.status not in {"met", "late"}:
        return None
    today = policy.today(now)
    if due.status == "met":
        met_on = min(today, clock.due)
    else:
        met_on = max(today, clock.due + timedelta(days=1))
    return meet(clock, met_on=met_on, by=event_id, now=now)


def facts_caused_by(clock: Clock, event_id: str) -> list[Fact]:
    """What ``event_id`` did to the clock, as events with deterministic ids."""
    facts: list[Fact] = []
    for index, change in enumerate(clock.history):
        if change.by_event != event_id:
            continue
        if change.change == "recalculated":
            facts.append(_recalculated(clock, index))
        else:
            facts.append(_started(clock, change, first=index == 0))
    if clock.ended_by == event_id and clock.state in ENDED:
        facts.append(_ended(clock))
    return facts


def _started(clock: Clock, change: DueChange, *, first: bool) -> Fact:
    event = ClockStarted(
        clock_id=clock.clock_id,
        case_id=clock.case_id,
        kind=clock.kind,
        anchor=change.anchor,
        anchor_date=change.anchor_date,
        due=change.due,
        calendar_version=clock.calendar_version,
        started_by=change.by_event,
    )
    parts = (clock.clock_id, change.due.isoformat()) + (() if first else (change.by_event,))
    return Fact(event, stable_id("clock.started", *parts))


def _recalculated(clock: Clock, index: int) -> Fact:
    change = clock.history[index]
    event = ClockRecalculated(
        clock_id=clock.clock_id,
        case_id=clock.case_id,
        kind=clock.kind,
        previous_due=clock.history[index - 1].due,
        due=change.due,
        anchor=change.anchor,
        anchor_date=change.anchor_date,
        reason=change.reason,
        recalculated_by=change.by_event,
    )
    return Fact(event, stable_id("clock.recalculated", clock.clock_id, change.by_event))


def _ended(clock: Clock) -> Fact:
    by = clock.ended_by or ""
    event_id = stable_id("clock.ended", clock.clock_id, clock.state, by, str(len(clock.history)))
    if clock.state == "met":
        met = ClockMet(
            clock_id=clock.clock_id,
            case_id=clock.case_id,
            kind=clock.kind,
            due=clock.due,
            met_on=clock.met_on or clock.due,
            late=clock.late,
            met_by=by,
        )
        return Fact(met, event_id)
    stopped = ClockStopped(
        clock_id=clock.clock_id,
        case_id=clock.case_id,
        kind=clock.kind,
        due=clock.due,
        outcome="closed" if clock.state == "closed" else "stopped",
        reason=clock.end_reason or "",
        stopped_by=by,
    )
    return Fact(stopped, event_id)

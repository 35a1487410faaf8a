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

from sprg_scheduler.domain.clocks import ENDED, Clock, DueChange, Pause, new_clock
from sprg_scheduler.domain.schedule import ReminderPolicy, plan, planned, working_days_remaining
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import (
    ClockMet,
    ClockPaused,
    ClockRecalculated,
    ClockResumed,
    ClockStarted,
    ClockStopped,
)
from sprg_shared.contracts.decisions import ClockDue
from sprg_shared.envelope import EventData
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
    key: str | None = None,
) -> Clock:
    clock = new_clock(
        case_id, due, event_id=event_id, now=now, calendar_version=calendar_version, key=key
    )
    return planned(clock, policy, calendar)


def apply_assessment(
    clock: Clock,
    due: ClockDue,
    *,
    event_id: str,
    now: datetime,
    policy: ReminderPolicy,
    calendar: WorkingDayCalendar,
    reason: str | None = None,
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
        reason="listed again by a later assessment" if restart else (reason or _why(clock, due)),
    )
    update: dict[str, object] = {
        "due": due.due,
        "anchor": due.anchor,
        "anchor_date": due.anchor_date,
        "rule": due.rule,
        "basis": due.basis,
        "history": (*clock.history, change),
    }
    breach_ahead = plan(due.due, policy, calendar)[-1].at > now
    if clock.paused is not None:  # stays paused; it will count from the new due date
        pause = clock.paused.model_copy(
            update={
                "due_when_paused": due.due,
                "working_days_remaining": max(
                    0, working_days_remaining(due.due, clock.paused.paused_on, calendar)
                ),
            }
        )
        update |= {"pauses": (*clock.pauses[:-1], pause), "counted_from": None}
        return clock.model_copy(update=update)
    update["counted_from"] = None
    if restart:
        update |= {"state": "open", "fired_through": None, "ended_at": None}
        update |= {"ended_by": None, "end_reason": None, "breached_at": None}
    elif clock.state != "breached" or breach_ahead:
        update |= {"state": "open", "breached_at": None}
    return planned(clock.model_copy(update=update), policy, calendar)


class NotPausable(Exception):
    """The clock is not running (or its kind may not pause), so it cannot pause or resume."""


def pause(
    clock: Clock,
    *,
    on: date,
    reason: str,
    by: str,
    now: datetime,
    calendar: WorkingDayCalendar,
) -> Clock | None:
    """Stop counting from ``on``; None when it is paused already (a repeat)."""
    if clock.state == "paused":
        return None
    if not clock.active:
        raise NotPausable(f"a {clock.state} clock cannot pause")
    remaining = max(0, working_days_remaining(clock.due, on, calendar))
    record = Pause(
        paused_on=on,
        reason=reason,
        by=by,
        paused_at=now,
        due_when_paused=clock.due,
        working_days_remaining=remaining,
    )
    return clock.model_copy(
        update={"state": "paused", "pauses": (*clock.pauses, record), "next_fire_at": None}
    )


def resume(
    clock: Clock,
    *,
    on: date,
    by: str,
    now: datetime,
    policy: ReminderPolicy,
    calendar: WorkingDayCalendar,
) -> Clock | None:
    """Count again from ``on``: the due date is the working days left at the pause, counted
    from ``on`` (so the working days paused are not counted); None when not paused."""
    current = clock.paused
    if current is None:
        if clock.pauses and clock.pauses[-1].resumed_on is not None and clock.active:
            return None  # a repeat of the last resume
        raise NotPausable(f"a {clock.state} clock is not paused")
    on = max(on, current.paused_on)
    new_due = calendar.add_working_days(on, current.working_days_remaining)
    paused_days = calendar.working_days_between(current.paused_on, on)
    ended = current.model_copy(
        update={"resumed_on": on, "resumed_by": by, "working_days_paused": paused_days}
    )
    change = DueChange(
        change="resumed",
        due=new_due,
        anchor=clock.anchor,
        anchor_date=clock.anchor_date,
        changed_at=now,
        by_event=by,
        reason=(
            f"paused {current.paused_on} to {on} ({paused_days} working days not counted): "
            f"{current.reason}"
        ),
    )
    resumed = clock.model_copy(
        update={
            "state": "open",
            "due": new_due,
            "counted_from": on,
            "pauses": (*clock.pauses[:-1], ended),
            "history": (*clock.history, change),
        }
    )
    return planned(resumed, policy, calendar)


def recalendar(
    clock: Clock,
    *,
    new_due: date,
    calendar_version: str,
    reason: str,
    event_id: str,
    now: datetime,
    policy: ReminderPolicy,
    calendar: WorkingDayCalendar,
) -> Clock | None:
    """A confirmed calendar version moves a running clock's due date; None when it does not
    (already applied, ended, paused, or the same date)."""
    if any(change.by_event == event_id for change in clock.history):
        return None
    if not clock.active or new_due == clock.due:
        return None
    change = DueChange(
        change="recalculated",
        due=new_due,
        anchor=clock.anchor,
        anchor_date=clock.anchor_date,
        changed_at=now,
        by_event=event_id,
        reason=reason,
    )
    moved = clock.model_copy(
        update={
            "due": new_due,
            "calendar_version": calendar_version,
            "history": (*clock.history, change),
        }
    )
    return planned(moved, policy, calendar)


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


def close(clock: Clock, *, reason: str, by: str, now: datetime) -> Clock | None:
    """The duty ended with the case's closure (``reason`` says why). A clock a decision
    already stopped is closed with the reason; None when it was met or closed already."""
    if clock.state in {"met", "closed"}:
        return None
    return clock.model_copy(
        update={
            "state": "closed",
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
    met or late), on the day that fact happened (``met_on``: the SIN submitted to the
    Panel on 4 September meets the SIN clock on 4 September, late if after its due date);
    None when it says nothing of the kind or the clock ended already.

    An assessment from a producer older than ``met_on`` carries the verdict alone: the day
    is then the assessment's (Europe/London), kept on the right side of the due date.
    """
    if due.status not in {"met", "late"}:
        return None
    if due.met_on is not None:
        return meet(clock, met_on=due.met_on, by=event_id, now=now)
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
        elif change.change == "resumed":
            facts.append(_resumed(clock, index))
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
        key=clock.key,
        anchor=change.anchor,
        anchor_date=change.anchor_date,
        due=change.due,
        basis=clock.basis,
        calendar_version=clock.calendar_version,
        started_by=change.by_event,
        **clock.labels(),
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


def pause_fact(clock: Clock) -> Fact | None:
    """The latest pause as an event (the same id however often it is announced)."""
    return _paused(clock, len(clock.pauses) - 1) if clock.pauses else None


def resume_fact(clock: Clock) -> Fact | None:
    """The latest resume as an event (the same id however often it is announced)."""
    for index in range(len(clock.history) - 1, 0, -1):
        if clock.history[index].change == "resumed":
            return _resumed(clock, index)
    return None


def _paused(clock: Clock, index: int) -> Fact:
    pause = clock.pauses[index]
    event = ClockPaused(
        clock_id=clock.clock_id,
        case_id=clock.case_id,
        kind=clock.kind,
        due=pause.due_when_paused,
        paused_on=pause.paused_on,
        working_days_remaining=pause.working_days_remaining,
        reason=pause.reason,
        paused_by=pause.by,
    )
    return Fact(event, stable_id("clock.paused", clock.clock_id, str(index)))


def _resumed(clock: Clock, index: int) -> Fact:
    change = clock.history[index]
    # The k-th resume in the history ended the k-th pause.
    nth = sum(1 for c in clock.history[: index + 1] if c.change == "resumed") - 1
    pause = clock.pauses[nth]
    event = ClockResumed(
        clock_id=clock.clock_id,
        case_id=clock.case_id,
        kind=clock.kind,
        previous_due=clock.history[index - 1].due,
        due=change.due,
        paused_on=pause.paused_on,
        resumed_on=pause.resumed_on or pause.paused_on,
        working_days_paused=pause.working_days_paused or 0,
        resumed_by=change.by_event,
    )
    return Fact(event, stable_id("clock.resumed", clock.clock_id, str(nth)))


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

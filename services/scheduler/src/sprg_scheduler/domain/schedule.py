"""When a clock fires: reminders before the due date, the breach the morning after.

Pure: the calendar and the instant ``now`` are passed in. The plan for a due date is
a short ordered list of instants (Europe/London wall-clock hours, held in UTC):

- one reminder per configured offset, at ``reminder_hour`` on the working day that
  many working days before the due date (offset 0: the due day itself);
- the breach at ``breach_hour`` on the calendar day after the due date (the deadline
  has passed whatever kind of day follows it).

A recurring duty's clock (``Clock.is_duty``) reminds at the same offsets and falls due
on its day (offset 0, always planned): each is a ``DutyDue``; it has no breach.

Catch-up: when several planned transitions fell due while nobody was firing (downtime,
or a clock that starts late), only the latest one is published and the earlier ones
are skipped: a breach supersedes the reminders before it, and the reminder nearest the
due date supersedes earlier reminders (it carries the working days really remaining).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sprg_scheduler.domain.clocks import Clock
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import ClockBreached, ClockReminderDue, DutyDue
from sprg_shared.ids import stable_id

LONDON = "Europe/London"


@dataclass(frozen=True)
class ReminderPolicy:
    offsets: tuple[int, ...] = (2, 0)
    """Working days before the due date on which a reminder goes out."""
    reminder_hour: int = 8
    breach_hour: int = 9
    timezone: str = LONDON

    def __post_init__(self) -> None:
        if any(offset < 0 for offset in self.offsets):
            raise ValueError(f"reminder offsets must be >= 0, got {self.offsets}")
        for hour in (self.reminder_hour, self.breach_hour):
            if not 0 <= hour <= 23:
                raise ValueError(f"hours must be 0..23, got {hour}")

    def instant(self, day: date, hour: int) -> datetime:
        local = datetime.combine(day, time(hour), tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC)

    def today(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class Planned:
    kind: Literal["reminder", "breach"]
    at: datetime
    day: date
    offset: int = 0


def plan(
    due: date, policy: ReminderPolicy, calendar: WorkingDayCalendar, *, duty: bool = False
) -> list[Planned]:
    """Every transition a clock due on ``due`` fires, in order (the breach last; a duty
    has none, and always falls due on its day)."""
    reminders: dict[date, Planned] = {}
    offsets = {*policy.offsets, 0} if duty else set(policy.offsets)
    for offset in sorted(offsets, reverse=True):
        day = calendar.working_days_before(due, offset)
        reminders.setdefault(
            day, Planned("reminder", policy.instant(day, policy.reminder_hour), day, offset)
        )
    if duty:
        return sorted(reminders.values(), key=lambda p: p.at)
    breach_day = due + timedelta(days=1)
    breach = Planned("breach", policy.instant(breach_day, policy.breach_hour), breach_day)
    return [*sorted(reminders.values(), key=lambda p: p.at), breach]


def pending(clock: Clock, policy: ReminderPolicy, calendar: WorkingDayCalendar) -> list[Planned]:
    """What the clock has still to fire for its current due date."""
    if not clock.active:
        return []
    done = clock.fired_through
    steps = plan(clock.due, policy, calendar, duty=clock.is_duty)
    return [p for p in steps if done is None or p.at > done]


def planned(clock: Clock, policy: ReminderPolicy, calendar: WorkingDayCalendar) -> Clock:
    """The clock with ``next_fire_at`` and ``remind_from`` set for its current state."""
    todo = pending(clock, policy, calendar)
    first = plan(clock.due, policy, calendar, duty=clock.is_duty)[0]
    return clock.model_copy(
        update={
            "next_fire_at": todo[0].at if todo else None,
            "remind_from": first.day if first.kind == "reminder" else clock.due,
        }
    )


@dataclass(frozen=True)
class Firing:
    """One transition to publish, and the clock as it is once published."""

    clock: Clock
    event: ClockReminderDue | ClockBreached | DutyDue
    event_id: str
    skipped: tuple[Planned, ...]


def fire(
    clock: Clock, now: datetime, policy: ReminderPolicy, calendar: WorkingDayCalendar
) -> Firing | None:
    """The transition due at ``now`` (the latest one when several are), or None."""
    ripe = [p for p in pending(clock, policy, calendar) if p.at <= now]
    if not ripe:
        return None
    chosen, skipped = ripe[-1], tuple(ripe[:-1])
    advanced = clock.model_copy(update={"fired_through": chosen.at})
    if clock.is_duty:
        return _fire_duty(advanced, chosen, skipped, policy, calendar)
    event: ClockReminderDue | ClockBreached
    if chosen.kind == "breach":
        advanced = advanced.model_copy(update={"state": "breached", "breached_at": chosen.at})
        event = ClockBreached(
            clock_id=clock.clock_id,
            case_id=clock.case_id,
            kind=clock.kind,
            key=clock.key,
            due=clock.due,
            breached_at=chosen.at,
            calendar_version=clock.calendar_version,
            **clock.labels(),
        )
        event_id = stable_id("clock.breach", clock.clock_id, clock.due.isoformat())
    else:
        advanced = advanced.model_copy(update={"state": "reminded"})
        event = ClockReminderDue(
            clock_id=clock.clock_id,
            case_id=clock.case_id,
            kind=clock.kind,
            key=clock.key,
            due=clock.due,
            offset=chosen.offset,
            remind_at=chosen.at,
            working_days_remaining=max(
                0, working_days_remaining(clock.due, policy.today(now), calendar)
            ),
            calendar_version=clock.calendar_version,
            **clock.labels(),
        )
        event_id = stable_id(
            "clock.reminder", clock.clock_id, clock.due.isoformat(), str(chosen.offset)
        )
    return Firing(planned(advanced, policy, calendar), event, event_id, skipped)


def _fire_duty(
    clock: Clock,
    chosen: Planned,
    skipped: tuple[Planned, ...],
    policy: ReminderPolicy,
    calendar: WorkingDayCalendar,
) -> Firing:
    stage: Literal["reminder", "due"] = "due" if chosen.offset == 0 else "reminder"
    event = DutyDue(
        duty_id=clock.case_id,
        duty=clock.kind,
        due=clock.due,
        stage=stage,
        title=clock.rule,
        details=clock.duty_details or {},
    )
    update: dict[str, object] = {"state": "reminded"}
    if stage == "due":  # nothing more to fire: the duty's clock has done its work
        update = {"state": "closed", "ended_at": chosen.at, "end_reason": "fell due"}
        update["ended_by"] = "scheduler"
    event_id = stable_id("duty.due", clock.clock_id, clock.due.isoformat(), str(chosen.offset))
    advanced = planned(clock.model_copy(update=update), policy, calendar)
    return Firing(advanced, event, event_id, skipped)


def working_days_remaining(due: date, today: date, calendar: WorkingDayCalendar) -> int:
    """Working days from today to the due date (today not counted); negative when overdue."""
    if due >= today:
        return calendar.working_days_between(today, due)
    return -calendar.working_days_between(due, today)

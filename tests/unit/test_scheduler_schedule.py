"""When clocks fire: reminders on working days before the due date, the breach the morning after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sprg_scheduler.domain import lifecycle, schedule
from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_scheduler.domain.views import view_of
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import ClockBreached, ClockReminderDue
from sprg_shared.contracts.decisions import ClockDue

CAL = WorkingDayCalendar()
POLICY = ReminderPolicy()


class FakeClock:
    """The time the domain sees; tests move it, nothing sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, when: datetime) -> FakeClock:
        self.now = when
        return self


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def due(on: date, anchor_date: date | None = None) -> ClockDue:
    return ClockDue(
        kind="sin_notification",
        anchor="aware_date",
        anchor_date=anchor_date or on - timedelta(days=7),
        due=on,
        rule="sin.s16c_1_a",
    )


def started(
    on: date, now: datetime, policy: ReminderPolicy = POLICY, anchor_date: date | None = None
) -> Clock:
    return lifecycle.start(
        "case-1",
        due(on, anchor_date),
        event_id="assessed-1",
        now=now,
        calendar_version="test",
        policy=policy,
        calendar=CAL,
    )


def run(clock: Clock, times: list[datetime]) -> tuple[Clock, list[tuple[datetime, object]]]:
    """Fire at each instant in turn, as the loop would; what was published, and when."""
    published: list[tuple[datetime, object]] = []
    for now in times:
        firing = schedule.fire(clock, now, POLICY, CAL)
        if firing is not None:
            published.append((now, firing.event))
            clock = firing.clock
    return clock, published


def test_reminders_skip_easter_and_the_breach_is_the_morning_after() -> None:
    # Due Tue 7 Apr 2026: Good Friday (3rd) and Easter Monday (6th) are not working days,
    # so "2 working days before" is Wed 1 April. British Summer Time: 08:00 is 07:00 UTC.
    planned = schedule.plan(date(2026, 4, 7), POLICY, CAL)
    assert [(p.kind, p.day, p.offset) for p in planned] == [
        ("reminder", date(2026, 4, 1), 2),
        ("reminder", date(2026, 4, 7), 0),
        ("breach", date(2026, 4, 8), 0),
    ]
    assert planned[0].at == utc(2026, 4, 1, 7)
    assert planned[2].at == utc(2026, 4, 8, 8)  # 09:00 in London


def test_reminders_skip_christmas_and_the_boxing_day_substitute() -> None:
    # Due Tue 29 Dec 2026: 28 Dec is the Boxing Day substitute, 25 Dec Christmas: the
    # reminder two working days before is Wed 23 Dec. GMT: London hours are UTC hours.
    planned = schedule.plan(date(2026, 12, 29), POLICY, CAL)
    assert [p.day for p in planned] == [date(2026, 12, 23), date(2026, 12, 29), date(2026, 12, 30)]
    assert planned[0].at == utc(2026, 12, 23, 8)


def test_a_clock_reminds_twice_then_breaches_the_morning_after_each_once() -> None:
    clock = started(date(2026, 4, 7), utc(2026, 3, 30, 9))
    hours = [utc(2026, 3, 31) + timedelta(hours=h) for h in range(24 * 10)]
    final, published = run(clock, hours)
    assert [(when, type(e).__name__) for when, e in published] == [
        (utc(2026, 4, 1, 7), "ClockReminderDue"),
        (utc(2026, 4, 7, 7), "ClockReminderDue"),
        (utc(2026, 4, 8, 8), "ClockBreached"),
    ]
    reminders = [e for _, e in published if isinstance(e, ClockReminderDue)]
    assert [r.working_days_remaining for r in reminders] == [2, 0]
    assert final.state == "breached"
    assert final.next_fire_at is None


def test_no_breach_before_the_breach_hour_on_the_day_after() -> None:
    clock = started(date(2026, 12, 29), utc(2026, 12, 1))
    clock, _ = run(clock, [utc(2026, 12, 29, 12)])
    assert schedule.fire(clock, utc(2026, 12, 30, 8, 59), POLICY, CAL) is None
    firing = schedule.fire(clock, utc(2026, 12, 30, 9), POLICY, CAL)
    assert firing is not None
    assert isinstance(firing.event, ClockBreached)


def test_a_clock_met_before_its_due_date_never_reminds_or_breaches() -> None:
    clock = started(date(2026, 4, 7), utc(2026, 3, 30, 9))
    clock, first = run(clock, [utc(2026, 4, 1, 12)])
    assert len(first) == 1
    met = lifecycle.meet(clock, met_on=date(2026, 4, 2), by="user:bt", now=utc(2026, 4, 2, 10))
    assert met is not None
    assert met.next_fire_at is None
    _, later = run(met, [utc(2026, 4, 7, 12), utc(2026, 4, 8, 12), utc(2026, 5, 1)])
    assert later == []
    assert not met.late


def test_stopped_and_closed_clocks_never_fire_again() -> None:
    clock = started(date(2026, 4, 7), utc(2026, 3, 30, 9))
    for outcome in ("stopped", "closed"):
        ended = lifecycle.stop(clock, outcome=outcome, reason="r", by="x", now=utc(2026, 3, 31))
        assert ended is not None
        assert run(ended, [utc(2026, 4, 1, 12), utc(2026, 4, 9)])[1] == []


def test_after_downtime_past_the_breach_only_the_breach_is_published() -> None:
    clock = started(date(2026, 4, 7), utc(2026, 3, 30, 9))
    firing = schedule.fire(clock, utc(2026, 4, 20), POLICY, CAL)
    assert firing is not None
    assert isinstance(firing.event, ClockBreached)
    assert [p.kind for p in firing.skipped] == ["reminder", "reminder"]
    assert schedule.fire(firing.clock, utc(2026, 4, 21), POLICY, CAL) is None


def test_after_downtime_on_the_due_day_the_latest_reminder_is_published() -> None:
    clock = started(date(2026, 4, 7), utc(2026, 3, 30, 9))
    firing = schedule.fire(clock, utc(2026, 4, 7, 12), POLICY, CAL)
    assert firing is not None
    assert isinstance(firing.event, ClockReminderDue)
    assert (firing.event.offset, firing.event.working_days_remaining) == (0, 0)
    assert firing.clock.next_fire_at == utc(2026, 4, 8, 8)


def test_transition_ids_are_deterministic() -> None:
    clock = started(date(2026, 4, 7), utc(2026, 3, 30, 9))
    one = schedule.fire(clock, utc(2026, 4, 1, 7), POLICY, CAL)
    two = schedule.fire(clock, utc(2026, 4, 1, 9), POLICY, CAL)
    assert one is not None
    assert two is not None
    assert one.event_id == two.event_id


def test_offsets_are_configurable() -> None:
    policy = ReminderPolicy(offsets=(5, 1), reminder_hour=10)
    planned = schedule.plan(date(2026, 4, 7), policy, CAL)
    # 5 working days before Tue 7 Apr 2026, over Easter: Fri 27 Mar, still GMT.
    assert [(p.day, p.offset) for p in planned[:2]] == [
        (date(2026, 3, 27), 5),
        (date(2026, 4, 2), 1),
    ]
    assert planned[0].at == utc(2026, 3, 27, 10)
    assert planned[1].at == utc(2026, 4, 2, 9)  # British Summer Time from 29 March


def test_bad_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="offsets"):
        ReminderPolicy(offsets=(-1,))
    with pytest.raises(ValueError, match="hours"):
        ReminderPolicy(breach_hour=24)


def test_the_view_counts_working_days_remaining_and_at_risk() -> None:
    clock = started(date(2026, 12, 29), utc(2026, 12, 1))
    early = view_of(clock, date(2026, 12, 21), CAL)
    assert (early.working_days_remaining, early.at_risk, early.overdue) == (4, False, False)
    near = view_of(clock, date(2026, 12, 24), CAL)  # Christmas Eve: 29th is 1 working day on
    assert (near.working_days_remaining, near.at_risk) == (1, True)
    late = view_of(clock, date(2026, 12, 31), CAL)
    assert (late.working_days_remaining, late.overdue) == (-2, True)

"""Recurring duties from the schedule the Business Team edits: meetings with a rotating
chair, papers deadlines, the bi-monthly report, the quarterly update, the ToR review."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from sprg_scheduler.domain import duties, schedule
from sprg_scheduler.domain.duties import DutySchedule, Meeting, Periodic
from sprg_scheduler.handlers.duties import packaged_schedule
from sprg_shared.contracts.clocks import DutyDue
from tests.unit.test_scheduler_schedule import CAL, POLICY, utc


def plan(*meetings: Meeting, horizon: int = 12) -> DutySchedule:
    return DutySchedule(
        meetings=meetings,
        executive_update=Periodic(first=date(2027, 1, 31), every_months=3),
        tor_review=Periodic(first=date(2027, 6, 30), every_months=24),
        horizon_months=horizon,
    )


def test_each_meeting_has_its_papers_deadline_and_report_in_working_days_before_it() -> None:
    found = duties.occurrences(packaged_schedule(), date(2026, 12, 1), CAL)
    first = {o.duty: o for o in found if o.details.get("meeting_date") == "2027-01-14"}
    assert first["sprg_meeting"].due == date(2027, 1, 14)
    assert first["sprg_meeting"].details["chair"] == "csc"
    assert "Summary of reviews" in first["sprg_meeting"].details["items"]
    # 5 working days before Thu 14 Jan 2027.
    assert first["meeting_papers"].due == date(2027, 1, 7)
    # 10 working days before, skipping New Year's Day and the weekends: 30 Dec 2026.
    assert first["bimonthly_report"].due == date(2026, 12, 30)
    meetings = [o for o in found if o.duty == "sprg_meeting"]
    assert len(meetings) == 6
    assert [m.details["chair"] for m in meetings] == ["csc", "police", "icb"] * 2


def test_the_chair_rotates_so_two_meetings_in_a_row_cannot_share_a_chair() -> None:
    with pytest.raises(ValidationError, match="the chair rotates"):
        plan(
            Meeting(date=date(2027, 1, 14), chair="csc"),
            Meeting(date=date(2027, 3, 11), chair="csc"),
        )
    with pytest.raises(ValidationError):
        plan(Meeting(date=date(2027, 1, 14), chair="education"))


def test_quarterly_updates_clamp_to_month_end_and_the_tor_review_is_two_yearly() -> None:
    found = duties.occurrences(plan(horizon=24), date(2027, 1, 1), CAL)
    updates = [o.due for o in found if o.duty == "executive_update"]
    assert updates[:4] == [
        date(2027, 1, 31),
        date(2027, 4, 30),
        date(2027, 7, 31),
        date(2027, 10, 31),
    ]
    assert [o.due for o in found if o.duty == "tor_review"] == [date(2027, 6, 30)]
    longer = duties.occurrences(plan(horizon=60), date(2027, 1, 1), CAL)
    assert [o.due for o in longer if o.duty == "tor_review"] == [
        date(2027, 6, 30),
        date(2029, 6, 30),
        date(2031, 6, 30),
    ]


def test_past_occurrences_are_not_scheduled() -> None:
    found = duties.occurrences(packaged_schedule(), date(2027, 6, 1), CAL)
    assert min(o.due for o in found) >= date(2027, 6, 1)
    assert all(o.details.get("meeting_date", "2027-06-01") >= "2027-06-01" for o in found)


def test_a_duty_reminds_then_falls_due_on_its_day_and_never_breaches() -> None:
    (papers,) = [
        o
        for o in duties.occurrences(packaged_schedule(), date(2026, 12, 1), CAL)
        if o.duty_id == "sprg-meeting-2027-01-14/papers"
    ]
    clock = schedule.planned(
        duties.duty_clock(papers, schedule_id="s0", now=utc(2026, 12, 1), version="v"),
        POLICY,
        CAL,
    )
    fired = []
    for day in range(1, 20):
        for hour in (7, 8, 12):
            firing = schedule.fire(clock, utc(2027, 1, day, hour), POLICY, CAL)
            if firing is not None:
                assert isinstance(firing.event, DutyDue)
                fired.append((utc(2027, 1, day, hour), firing.event.stage, firing.event.due))
                clock = firing.clock
    assert fired == [
        (utc(2027, 1, 5, 8), "reminder", date(2027, 1, 7)),
        (utc(2027, 1, 7, 8), "due", date(2027, 1, 7)),
    ]
    assert (clock.state, clock.next_fire_at) == ("closed", None)


def test_a_moved_meeting_re_dates_its_clock_with_the_reason() -> None:
    occurrence = duties.occurrences(packaged_schedule(), date(2026, 12, 1), CAL)[0]
    clock = duties.duty_clock(occurrence, schedule_id="s0", now=utc(2026, 12, 1), version="v")
    assert duties.reschedule(clock, occurrence, by="s1", now=utc(2026, 12, 2)) is None
    later = occurrence.model_copy(update={"due": date(2027, 1, 4)})
    moved = duties.reschedule(clock, later, by="s1", now=utc(2026, 12, 2))
    assert moved is not None
    assert [h.due for h in moved.history] == [occurrence.due, date(2027, 1, 4)]
    assert "duty schedule moved it" in moved.history[-1].reason

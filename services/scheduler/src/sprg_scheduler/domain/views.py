"""What a person sees of a clock today: working days remaining and whether it is at risk."""

from __future__ import annotations

from datetime import date

from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.domain.schedule import working_days_remaining
from sprg_shared.calendar import WorkingDayCalendar


class ClockView(Clock):
    working_days_remaining: int
    """From today (not counted) to the due date; negative once overdue."""
    at_risk: bool
    """Still running and inside its reminder window."""
    overdue: bool


def view_of(clock: Clock, today: date, calendar: WorkingDayCalendar) -> ClockView:
    remind_from = clock.remind_from or clock.due
    return ClockView(
        **clock.model_dump(),
        working_days_remaining=working_days_remaining(clock.due, today, calendar),
        at_risk=clock.active and remind_from <= today <= clock.due,
        overdue=clock.state == "breached" or (clock.active and clock.due < today),
    )

"""Recurring duties of the partnership, from the schedule the Business Team edits.

The schedule (``config/sprg_schedule.yaml`` to start with; then ``PUT
/v1/duties/schedule``) lists the SPRG meetings, each with the chair agreed in advance,
and the rules that place the other duties:

- each meeting: the meeting itself, its papers deadline (N working days before) and the
  bi-monthly report's production (M working days before: it goes with the papers);
- the quarterly update to the CSCP Executive Group (every 3 months from a first date);
- the terms-of-reference review (24 months after the last one).

Each occurrence is a duty clock: a clock whose subject is the occurrence (a meeting id,
say) instead of a case. It reminds at the configured offsets and falls due on its day,
each as a ``DutyDue`` event (stage ``reminder`` or ``due``); it never breaches, as no fact
on the bus says a duty was done. Pure: dates and the calendar are passed in.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sprg_scheduler.domain.clocks import Clock, DueChange
from sprg_shared.calendar import WorkingDayCalendar, add_months
from sprg_shared.ids import stable_id
from sprg_shared.references import meeting_id as meeting_id_for

Agency = Literal["csc", "police", "icb"]
"""The three partners the chair rotates among: Children's Social Care, Police, Health."""
DutyKind = Literal[
    "sprg_meeting", "meeting_papers", "executive_update", "bimonthly_report", "tor_review"
]
DUTY_KINDS: frozenset[str] = frozenset(
    {"sprg_meeting", "meeting_papers", "executive_update", "bimonthly_report", "tor_review"}
)
STANDING_ITEMS = (
    "Summary of reviews",
    "Partnership updates",
    "Confirmation of previous minutes and actions",
    "The SPRG meeting schedule",
)


# Plausible dates only: the working-day counting of a year 1 or 9999 meeting overflows.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
PlausibleDate = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
# Bounded input: every meeting is three clocks written one by one when the schedule is
# saved, so a schedule of thousands of meetings is refused (422) rather than worked through.
MAX_MEETINGS = 120
"""Ten years of monthly meetings."""
Item = Annotated[str, Field(min_length=1, max_length=300)]
Items = Annotated[tuple[Item, ...], Field(max_length=30)]


class Meeting(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    date: PlausibleDate
    chair: Agency
    deputy_chair: Agency | None = None
    items: Items = Field(default=(), description="besides the standing items")


class Periodic(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    first: PlausibleDate
    every_months: int = Field(ge=1, le=120)


class DutySchedule(BaseModel):
    """What the Business Team edits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meetings: Annotated[tuple[Meeting, ...], Field(max_length=MAX_MEETINGS)]
    papers_working_days_before: int = Field(default=5, ge=0, le=120)
    report_working_days_before: int = Field(default=10, ge=0, le=120)
    standing_items: Items = STANDING_ITEMS
    executive_update: Periodic
    tor_review: Periodic = Field(description="first: when the next review is due")
    horizon_months: int = Field(default=12, ge=1, le=60)

    @model_validator(mode="after")
    def _rotating_chair(self) -> DutySchedule:
        ordered = sorted(self.meetings, key=lambda m: m.date)
        if len({m.date for m in ordered}) != len(ordered):
            raise ValueError("two meetings on the same day")
        for before, after in itertools.pairwise(ordered):
            if before.chair == after.chair:
                raise ValueError(
                    f"the chair rotates: {after.chair} chairs both {before.date} and {after.date}"
                )
        for meeting in ordered:
            if meeting.deputy_chair == meeting.chair:
                raise ValueError(f"{meeting.date}: the deputy chair is the chair")
        return self

    @classmethod
    def parse(cls, text: str) -> DutySchedule:
        return cls.model_validate(yaml.safe_load(text))


class Occurrence(BaseModel):
    model_config = ConfigDict(frozen=True)

    duty_id: str
    duty: DutyKind
    due: date
    title: str
    details: dict[str, str] = Field(default_factory=dict)


def occurrences(
    schedule: DutySchedule, today: date, calendar: WorkingDayCalendar
) -> list[Occurrence]:
    """Every duty from ``today`` to the schedule's horizon, in date order."""
    horizon = add_months(today, schedule.horizon_months)
    found: list[Occurrence] = []
    for meeting in sorted(schedule.meetings, key=lambda m: m.date):
        meeting_id = meeting_id_for(meeting.date)
        items = "; ".join((*schedule.standing_items, *meeting.items))
        common = {"meeting_id": meeting_id, "meeting_date": meeting.date.isoformat()}
        found.append(
            Occurrence(
                duty_id=meeting_id,
                duty="sprg_meeting",
                due=meeting.date,
                title=f"SPRG meeting {meeting.date} (chair: {meeting.chair})",
                details={
                    **common,
                    "chair": meeting.chair,
                    "deputy_chair": meeting.deputy_chair or "",
                    "items": items,
                },
            )
        )
        papers = calendar.working_days_before(meeting.date, schedule.papers_working_days_before)
        found.append(
            Occurrence(
                duty_id=f"{meeting_id}/papers",
                duty="meeting_papers",
                due=papers,
                title=f"Papers for the SPRG meeting of {meeting.date}",
                details={**common, "items": items},
            )
        )
        report = calendar.working_days_before(meeting.date, schedule.report_working_days_before)
        found.append(
            Occurrence(
                duty_id=f"{meeting_id}/report",
                duty="bimonthly_report",
                due=report,
                title=f"Bi-monthly report for the SPRG meeting of {meeting.date}",
                details=common,
            )
        )
    for duty, periodic, title in (
        ("executive_update", schedule.executive_update, "Quarterly update to the Executive Group"),
        ("tor_review", schedule.tor_review, "SPRG terms of reference review"),
    ):
        n = 0
        while (due := add_months(periodic.first, n * periodic.every_months)) <= horizon:
            found.append(
                Occurrence(
                    duty_id=f"{duty}-{due.isoformat()}",
                    duty=duty,
                    due=due,
                    title=f"{title} ({due})",
                )
            )
            n += 1
    return sorted((o for o in found if o.due >= today), key=lambda o: (o.due, o.duty_id))


def duty_clock(occurrence: Occurrence, *, schedule_id: str, now: datetime, version: str) -> Clock:
    """The clock that reminds of ``occurrence`` and says when it falls due."""
    return Clock(
        clock_id=duty_clock_id(occurrence.duty_id),
        case_id=occurrence.duty_id,
        kind=occurrence.duty,
        anchor="duty_schedule",
        anchor_date=occurrence.due,
        due=occurrence.due,
        state="open",
        rule=occurrence.title,
        started_by=schedule_id,
        started_at=now,
        calendar_version=version,
        duty_details=occurrence.details,
        history=(
            DueChange(
                change="started",
                due=occurrence.due,
                anchor="duty_schedule",
                anchor_date=occurrence.due,
                changed_at=now,
                by_event=schedule_id,
                reason="on the duty schedule",
            ),
        ),
    )


def duty_clock_id(duty_id: str) -> str:
    return stable_id("duty", duty_id)


def reschedule(clock: Clock, occurrence: Occurrence, *, by: str, now: datetime) -> Clock | None:
    """The duty's clock once the schedule moved or reworded it; None when nothing changed
    or it already fell due. The firing plan is set by the caller (``schedule.planned``)."""
    if not clock.active and clock.state != "paused":
        return None
    same = (clock.due, clock.rule, clock.duty_details) == (
        occurrence.due,
        occurrence.title,
        occurrence.details,
    )
    if same:
        return None
    update: dict[str, object] = {"rule": occurrence.title, "duty_details": occurrence.details}
    if clock.due != occurrence.due:
        change = DueChange(
            change="recalculated",
            due=occurrence.due,
            anchor="duty_schedule",
            anchor_date=occurrence.due,
            changed_at=now,
            by_event=by,
            reason=f"the duty schedule moved it: {clock.due} -> {occurrence.due}",
        )
        update |= {
            "due": occurrence.due,
            "anchor_date": occurrence.due,
            "history": (*clock.history, change),
            "state": "open",
            "fired_through": None,
        }
    return clock.model_copy(update=update)

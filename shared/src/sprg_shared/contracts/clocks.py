"""What the scheduler publishes on ``sprg.clocks``: clocks started, reminded, breached, met,
stopped, moved, paused, resumed; recurring duties falling due.

Owned by scheduler; who reads it: ``sprg_shared.topics``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from sprg_shared import topics
from sprg_shared.contracts.decisions import DueBasis
from sprg_shared.envelope import EventData, event_type

__all__ = [
    "ClockBreached",
    "ClockKind",
    "ClockLabelled",
    "ClockMet",
    "ClockPaused",
    "ClockRecalculated",
    "ClockReminderDue",
    "ClockResumed",
    "ClockStarted",
    "ClockStopped",
    "DutyDue",
    "SubjectOfClock",
]


ClockKind = str


SubjectOfClock = Literal["case", "case_of_concern", "escalation", "meeting", "action"]


class ClockLabelled(EventData):
    """What a clock event says of its subject for the people told (written once here)."""

    reference: str | None = Field(
        default=None,
        description="how people know the subject (SIN-2026-..., COC-..., ESC-..., a meeting's "
        "date, an action's ACT-...); never personal data",
    )
    subject_kind: SubjectOfClock | None = Field(
        default=None, description="which kind of page the subject opens on"
    )
    owner_agency: str | None = Field(
        default=None, description="the agency that must act (a request's or an action's)"
    )
    statutory: bool | None = Field(
        default=None, description="a duty the law sets (else a local or a person's target)"
    )


@event_type("sprg.clock.started.v1", topics.CLOCKS)
class ClockStarted(ClockLabelled):
    clock_id: str
    case_id: str = Field(
        description="the clock's subject: the case, or an escalation's or action source's id"
    )
    kind: ClockKind
    key: str | None = Field(
        default=None,
        description="which clock of the kind on the subject: an information request's or "
        "an action's id; absent for the one clock a decision owns",
    )
    anchor: str
    anchor_date: date
    due: date
    basis: DueBasis | None = Field(
        default=None,
        description="how due is counted from anchor_date, as the rules said (e.g. 5 working "
        "days after); none for a date a person set",
    )
    calendar_version: str
    started_by: str = Field(description="id of the event that started the clock")


@event_type("sprg.clock.reminder_due.v1", topics.CLOCKS)
class ClockReminderDue(ClockLabelled):
    """A clock is nearing its due date: one of its configured reminders fell due."""

    clock_id: str
    case_id: str
    kind: ClockKind
    key: str | None = Field(default=None, description="a request's or an action's id")
    due: date
    offset: int = Field(ge=0, description="the reminder: working days before the due date")
    remind_at: datetime = Field(description="the instant this reminder was planned for")
    working_days_remaining: int = Field(ge=0, description="counted from the day it was sent")
    calendar_version: str


@event_type("sprg.clock.breached.v1", topics.CLOCKS)
class ClockBreached(ClockLabelled):
    """The due date passed and the duty was not met: raised the morning after."""

    clock_id: str
    case_id: str
    kind: ClockKind
    key: str | None = Field(default=None, description="a request's or an action's id")
    due: date
    breached_at: datetime = Field(description="the instant the breach was planned for")
    calendar_version: str


@event_type("sprg.clock.recalculated.v1", topics.CLOCKS)
class ClockRecalculated(EventData):
    """A later fact gave the clock a different due date (the old one is kept in its history)."""

    clock_id: str
    case_id: str
    kind: ClockKind
    previous_due: date
    due: date
    anchor: str
    anchor_date: date
    reason: str
    recalculated_by: str = Field(description="id of the event that moved the due date")


@event_type("sprg.clock.met.v1", topics.CLOCKS)
class ClockMet(EventData):
    """The duty was done: the clock stops and never reminds again."""

    clock_id: str
    case_id: str
    kind: ClockKind
    due: date
    met_on: date
    late: bool = Field(description="met after the due date")
    met_by: str


@event_type("sprg.clock.stopped.v1", topics.CLOCKS)
class ClockStopped(EventData):
    """The duty no longer applies (stopped) or the case closed (closed); never reminds again."""

    clock_id: str
    case_id: str
    kind: ClockKind
    due: date
    outcome: Literal["stopped", "closed"]
    reason: str
    stopped_by: str


@event_type("sprg.clock.paused.v1", topics.CLOCKS)
class ClockPaused(EventData):
    """A clock stopped counting (policy allows it for its kind); it never reminds or breaches
    while paused."""

    clock_id: str
    case_id: str
    kind: ClockKind
    due: date = Field(description="the due date it had when paused")
    paused_on: date
    working_days_remaining: int = Field(ge=0, description="kept for when it resumes")
    reason: str
    paused_by: str


@event_type("sprg.clock.resumed.v1", topics.CLOCKS)
class ClockResumed(EventData):
    """A paused clock counts again: its due date moved by the working days it was paused."""

    clock_id: str
    case_id: str
    kind: ClockKind
    previous_due: date
    due: date
    paused_on: date
    resumed_on: date
    working_days_paused: int = Field(ge=0)
    resumed_by: str


@event_type("sprg.duty.due.v1", topics.CLOCKS)
class DutyDue(EventData):
    """A recurring duty of the partnership fell due (or its reminder did).

    ``subject`` is the duty occurrence (a meeting id, say) rather than a case: the
    reporting service can start producing the bi-monthly report on it.
    """

    duty_id: str
    duty: Literal[
        "sprg_meeting", "meeting_papers", "executive_update", "bimonthly_report", "tor_review"
    ]
    due: date
    stage: Literal["reminder", "due"]
    title: str
    details: dict[str, str] = Field(default_factory=dict)

    def subject(self) -> str:
        return self.duty_id

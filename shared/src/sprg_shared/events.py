"""Wire events (facts in the past tense). No personal data: case ids and derived facts only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sprg_shared import topics
from sprg_shared.envelope import EventData, event_type

IncidentKind = Literal["death", "serious_harm", "other"]
Location = Literal["in_area", "elsewhere_in_england", "outside_england"]
AbuseOrNeglect = Literal["known", "suspected", "none"]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class IncidentFacts(_Part):
    kind: IncidentKind
    date: date
    location: Location
    abuse_or_neglect: AbuseOrNeglect


class ChildFacts(_Part):
    """What downstream services may know of a child: derived facts, never identity."""

    age_years: int = Field(ge=0, le=130, description="whole years on the incident date")
    looked_after: bool
    care_leaver: bool
    normally_resident_in_area: bool


@event_type("sprg.incident.reported.v1", topics.INTAKE)
class IncidentReported(EventData):
    case_id: str
    reference: str
    reporting_agency: str
    reported_at: datetime
    aware_date: date
    incident: IncidentFacts
    children: tuple[ChildFacts, ...] = Field(min_length=1, max_length=4)


class RulepackRef(_Part):
    id: str
    version: str
    hash: str


class Decision(_Part):
    rule: str
    outcome: str
    because: tuple[str, ...]
    source: str


class ClockDue(_Part):
    """A clock the rules say applies; the scheduler owns it from here."""

    kind: str
    anchor: str
    anchor_date: date
    due: date
    rule: str
    status: Literal["open", "met", "late"] | None = Field(
        default=None, description="for a clock a fact stops: whether that fact came in time"
    )


@event_type("sprg.case.assessed.v1", topics.DECISIONS)
class CaseAssessed(EventData):
    case_id: str
    trigger_event_id: str
    rulepack: RulepackRef
    panel_notification_required: bool
    panel_notification_subsection: Literal["a", "b"] | None
    notifying_area: Literal["this_area", "other_area"] | None
    rapid_review_required: bool
    dfe_ofsted_reasons: tuple[str, ...]
    csab_liaison_required: bool
    clocks: tuple[ClockDue, ...]
    decisions: tuple[Decision, ...]


ClockKind = str


@event_type("sprg.clock.started.v1", topics.CLOCKS)
class ClockStarted(EventData):
    clock_id: str
    case_id: str
    kind: ClockKind
    anchor: str
    anchor_date: date
    due: date
    calendar_version: str
    started_by: str = Field(description="id of the event that started the clock")


@event_type("sprg.notification.sent.v1", topics.NOTIFICATIONS)
class NotificationSent(EventData):
    notification_id: str
    case_id: str
    trigger_event_id: str
    template: str
    channel: Literal["email", "webhook"]
    recipient_role: str
    status: Literal["sent", "failed"]
    attempts: int = Field(ge=1)


@event_type("sprg.message.deadlettered.v1", topics.DLQ)
class MessageDeadLettered(EventData):
    """A message a consumer could not handle: the original, untouched, and why."""

    consumer_group: str
    topic: str
    partition: int
    offset: int
    key: str | None
    value: str = Field(description="the original bytes, decoded as UTF-8 with replacement")
    reason: str
    attempts: int

    def subject(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


# -- clock transitions (the scheduler publishes them on sprg.clocks) -----------------


@event_type("sprg.clock.reminder_due.v1", topics.CLOCKS)
class ClockReminderDue(EventData):
    """A clock is nearing its due date: one of its configured reminders fell due."""

    clock_id: str
    case_id: str
    kind: ClockKind
    due: date
    offset: int = Field(ge=0, description="the reminder: working days before the due date")
    remind_at: datetime = Field(description="the instant this reminder was planned for")
    working_days_remaining: int = Field(ge=0, description="counted from the day it was sent")
    calendar_version: str


@event_type("sprg.clock.breached.v1", topics.CLOCKS)
class ClockBreached(EventData):
    """The due date passed and the duty was not met: raised the morning after."""

    clock_id: str
    case_id: str
    kind: ClockKind
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


@event_type("sprg.sin.submitted.v1", topics.INTAKE)
class SinSubmitted(EventData):
    """The local authority submitted the Serious Incident Notification to the Panel."""

    case_id: str
    submitted_date: date
    recorded_at: datetime
    recorded_by_agency: str


@event_type("sprg.rulepack.activated.v1", topics.RULEPACKS)
class RulepackActivated(EventData):
    """A rule pack version put in force (or withdrawn) for every replica of the rules service.

    Keyed by ``pack_id@version`` on a compacted topic, so each version's latest state
    survives compaction and a case can be judged by the pack in force on its date.
    """

    pack_id: str
    version: str
    hash: str
    text: str = Field(description="the pack itself (YAML); rule packs hold no personal data")
    status: Literal["active", "withdrawn"]
    by: str
    at: datetime
    reason: str

    def subject(self) -> str:
        return f"{self.pack_id}@{self.version}"


# --- scheduler (issue 5) ---


class Closure(_Part):
    """A day the partnership is closed although it is neither a weekend nor a bank holiday."""

    date: date
    reason: str


@event_type("sprg.calendar.versioned.v1", topics.CALENDAR)
class CalendarVersioned(EventData):
    """A calendar version put in force: every closure day it holds, not just the new ones.

    Keyed by ``calendar`` on a compacted topic, so the latest version is all a reader
    (the rules service, a new scheduler replica) needs to replay.
    """

    version: str = Field(description="e.g. ew-bank-holidays+closures.3")
    number: int = Field(ge=0)
    closures: tuple[Closure, ...]
    confirmed_by: str
    confirmed_at: datetime
    clocks_recalculated: int = Field(ge=0, description="open clocks whose due date moved")

    def subject(self) -> str:
        return "calendar"


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

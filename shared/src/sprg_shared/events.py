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
    reference: str | None = Field(
        default=None, description="the case's reference people were given (SIN-2026-...)"
    )
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


@event_type("sprg.message.reprocessed.v1", topics.DLQ)
class MessageReprocessed(EventData):
    """A dead letter replayed (``sprg dlq replay``) and then processed by the group that had
    failed it: its committed offset passed the replayed copy and no new dead letter of the
    event came from that group. What read "not processed" is cleared."""

    dead_letter_id: str | None = Field(description="the envelope id of the dead letter on sprg.dlq")
    consumer_group: str
    topic: str
    key: str | None
    event_id: str | None = Field(description="the original event's id, when readable")
    replayed_to_offset: int

    def subject(self) -> str:
        return f"{self.topic}/{self.replayed_to_offset}/{self.consumer_group}"


# -- clock transitions (the scheduler publishes them on sprg.clocks) -----------------


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


@event_type("sprg.sin.submitted.v1", topics.INTAKE)
class SinSubmitted(EventData):
    """The local authority submitted the Serious Incident Notification to the Panel."""

    case_id: str
    submitted_date: date
    recorded_at: datetime
    recorded_by_agency: str


@event_type("sprg.case.notice_recorded.v1", topics.INTAKE)
class CaseNoticeRecorded(EventData):
    """A notice a case's duties required was given: the local authority notified the
    Secretary of State (DfE) and Ofsted, or the partnership liaised with the CSAB."""

    case_id: str
    notice: Literal["dfe_ofsted", "csab_liaison"]
    notified_date: date
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


# --- The partnership's work beyond the incident report (issue 4) ----------------------
#
# Intake publishes these on sprg.intake; the rules service decides from them, the
# scheduler starts clocks on them, reporting folds them. Like every event they carry ids,
# dates, agencies, roles and derived facts, never a child's identity; free text people
# write stays in intake (encrypted) and is not on the bus.

ReviewType = Literal["rapid_review", "case_of_concern", "escalation", "lcspr"]


@event_type("sprg.incident.corrected.v1", topics.INTAKE)
class IncidentCorrected(EventData):
    """A corrected fact of an incident report: a new fact beside the old, never an overwrite.

    Carries the facts as they now stand, so a consumer can decide again from this alone.
    """

    case_id: str
    correction_id: str
    corrected_fields: tuple[str, ...] = Field(min_length=1)
    previous_aware_date: date
    aware_date: date
    incident: IncidentFacts
    children: tuple[ChildFacts, ...] = Field(min_length=1, max_length=4)
    corrected_at: datetime
    corrected_by_agency: str


@event_type("sprg.case.tagged.v1", topics.INTAKE)
class CaseTagged(EventData):
    """The Business Team's themes and features of a review (the whole set, replacing the last)."""

    subject_id: str = Field(description="a case id, Case of Concern id or escalation id")
    review_type: ReviewType
    tags: tuple[str, ...]
    tagged_at: datetime

    def subject(self) -> str:
        return self.subject_id


CocTriage = Literal["pending", "advice", "list_for_meeting"]
CocMeeting = Literal["sprg", "other_cscp_meeting"]
CocApproach = Literal["internal_file_review", "appreciative_inquiry", "policy_review"]


@event_type("sprg.coc.referred.v1", topics.INTAKE)
class CaseOfConcernReferred(EventData):
    coc_id: str
    reference: str
    referring_agency: str
    referred_date: date
    meets_sin_criteria: bool
    meets_spr_criteria: bool
    agencies_involved: tuple[str, ...] = ()
    referred_at: datetime

    def subject(self) -> str:
        return self.coc_id


@event_type("sprg.coc.triaged.v1", topics.INTAKE)
class CaseOfConcernTriaged(EventData):
    """The CSCP Business Manager's triage (and later the approach the meeting agreed)."""

    coc_id: str
    triage: CocTriage
    meeting: CocMeeting | None = None
    approach: CocApproach | None = None
    triaged_date: date
    triaged_at: datetime

    def subject(self) -> str:
        return self.coc_id


class EscalationStep(_Part):
    stage: int = Field(ge=1, le=9)
    started_date: date


@event_type("sprg.escalation.recorded.v1", topics.INTAKE)
class EscalationRecorded(EventData):
    """An escalation as it now stands, with every stage it went through."""

    escalation_id: str
    reference: str
    raised_by_agency: str
    with_agency: str
    stage: int = Field(ge=1, le=9)
    stage_started_date: date
    resolved_date: date | None = None
    copy_to_cscp_date: date | None = None
    history: tuple[EscalationStep, ...]
    recorded_at: datetime

    def subject(self) -> str:
        return self.escalation_id


@event_type("sprg.rapid_review.info_requested.v1", topics.INTAKE)
class InformationRequested(EventData):
    """The Business Team asked an agency for information (or an IMR) by a deadline."""

    case_id: str
    request_id: str
    agency: str
    kind: Literal["information", "imr", "chronology", "other"]
    requested_date: date
    due_date: date
    requested_at: datetime
    reference: str | None = Field(default=None, description="the case's reference")
    coordinator: str | None = Field(
        default=None, description="the person (directory id) named as the request's coordinator"
    )


@event_type("sprg.rapid_review.return_received.v1", topics.INTAKE)
class ReturnReceived(EventData):
    case_id: str
    request_id: str
    agency: str
    received_date: date
    documents: int = Field(ge=0, description="how many documents came with it (stored in intake)")
    received_at: datetime


PartnersView = Literal["local_review", "national_review", "no_review"]
"""The partners' view sent with the Rapid Review to the Panel (WT2023 ch. 5): a local
review (an LCSPR), a referral for a national review, or no review."""

RapidReviewPurpose = Literal[
    "gather_facts", "immediate_safety_action", "potential_national_learning", "lcspr_decision"
]


class PurposeOutcome(_Part):
    purpose: RapidReviewPurpose
    addressed: bool


@event_type("sprg.rapid_review.held.v1", topics.INTAKE)
class RapidReviewHeld(EventData):
    """The Rapid Review meeting's outcome on its four purposes."""

    case_id: str
    held_date: date
    purposes: tuple[PurposeOutcome, ...] = Field(min_length=4, max_length=4)
    recommendation: Literal["lcspr", "no_lcspr", "undecided"]
    partners_view: PartnersView | None = Field(
        default=None, description="the partners' view for the Panel (absent before issue 13)"
    )
    recorded_at: datetime


@event_type("sprg.rapid_review.sent_to_panel.v1", topics.INTAKE)
class RapidReviewSentToPanel(EventData):
    case_id: str
    sent_date: date
    recorded_at: datetime


@event_type("sprg.rapid_review.closed.v1", topics.INTAKE)
class RapidReviewClosed(EventData):
    """Closed because the SIN was found not to meet the criteria after all."""

    case_id: str
    closed_date: date
    reason: Literal["criteria_not_met"]
    recorded_at: datetime

    def reason_text(self) -> str:
        return f"found on {self.closed_date} not to meet the SIN criteria (Rapid Review closed)"


class FactorRecord(_Part):
    present: bool


@event_type("sprg.lcspr.factors_recorded.v1", topics.INTAKE)
class LcsprFactorsRecorded(EventData):
    """The factors the partners weighed (present or absent); the words stay in intake."""

    case_id: str
    serious_child_safeguarding_case: bool
    factors: dict[str, FactorRecord]
    recorded_at: datetime


@event_type("sprg.lcspr.decided.v1", topics.INTAKE)
class LcsprDecided(EventData):
    """The people's decision on an LCSPR (the rules only recommend)."""

    case_id: str
    decision: Literal["commission", "do_not_commission"]
    decided_date: date
    methodology: str | None = Field(default=None, description="an approach name, not free text")
    panel_informed_date: date | None = None
    recorded_at: datetime


@event_type("sprg.lcspr.progressed.v1", topics.INTAKE)
class LcsprProgressed(EventData):
    case_id: str
    milestone: Literal[
        "reviewer_appointed",
        "started",
        "draft_received",
        "final_report_received",
        "sent_to_panel_and_secretary_of_state",
    ]
    milestone_date: date
    recorded_at: datetime


@event_type("sprg.lcspr.publication_recorded.v1", topics.INTAKE)
class LcsprPublicationRecorded(EventData):
    case_id: str
    planned_publication_date: date | None = None
    published_date: date | None = None
    not_publishing: bool = False
    agencies: tuple[str, ...] = Field(min_length=1)
    press_offices_told: tuple[str, ...] = ()
    recorded_at: datetime


Partner = Literal["csc", "icb", "police"]
Attendance = Literal["expected", "in_person", "proxy", "apologies", "absent"]


class MeetingMember(_Part):
    role: str
    seat: str | None = Field(default=None, description="the SPRG seat filled (membership)")
    partner: Partner | None = None
    attendance: Attendance
    proxy_similar_seniority: bool | None = None
    apologies_received_date: date | None = None


@event_type("sprg.meeting.scheduled.v1", topics.INTAKE)
class MeetingScheduled(EventData):
    meeting_id: str
    meeting_date: date
    chair_partner: Partner
    papers_due_date: date | None = None
    scheduled_at: datetime

    def subject(self) -> str:
        return self.meeting_id


@event_type("sprg.meeting.attendance_recorded.v1", topics.INTAKE)
class MeetingAttendanceRecorded(EventData):
    """Attendance and apologies as known on ``as_of`` (before the meeting: a forecast)."""

    meeting_id: str
    meeting_date: date
    as_of: date
    members: tuple[MeetingMember, ...] = Field(min_length=1)
    recorded_at: datetime

    def subject(self) -> str:
        return self.meeting_id


@event_type("sprg.action.recorded.v1", topics.INTAKE)
class ActionRecorded(EventData):
    """An action from a meeting or review, its owner (a role and agency) and due date."""

    action_id: str
    reference: str | None = Field(default=None, description="the action's own (ACT-2026-...)")
    source_id: str = Field(description="the meeting, case or review the action came from")
    source_reference: str | None = Field(
        default=None, description="how people know the source (SIN-..., COC-..., a meeting's date)"
    )
    owner_agency: str
    owner_role: str
    due_date: date
    status: Literal["open", "done", "dropped"]
    updated_date: date
    recorded_at: datetime

    def subject(self) -> str:
        return self.action_id


@event_type("sprg.learning.shared.v1", topics.INTAKE)
class LearningShared(EventData):
    learning_id: str
    source_id: str
    shared_date: date
    audiences: tuple[str, ...]
    impact_reported: bool = False
    recorded_at: datetime

    def subject(self) -> str:
        return self.learning_id


SubjectKind = Literal[
    "lcspr_decision", "case_of_concern", "escalation", "meeting", "lcspr_publication"
]


@event_type("sprg.subject.decided.v1", topics.DECISIONS)
class SubjectDecided(EventData):
    """The rules' decision on a matter beyond the incident (domain.md sections 4-8).

    ``subject_id`` is the case, Case of Concern, escalation or meeting the facts were about;
    ``answer`` is the kind's summary (for example the LCSPR recommendation, the Case of
    Concern's route, whether a meeting is or will be quorate), with reasons in ``decisions``.
    """

    kind: SubjectKind
    subject_id: str
    case_id: str | None = None
    reference: str | None = Field(
        default=None, description="how people know the matter (SIN-..., COC-..., ESC-..., a date)"
    )
    about: dict[str, object] = Field(
        default_factory=dict,
        description="what people need to act on the decision (stages, agencies, dates): "
        "codes and dates only, never personal data",
    )
    trigger_event_id: str
    rulepack: RulepackRef
    answer: dict[str, object]
    clocks: tuple[ClockDue, ...]
    decisions: tuple[Decision, ...]

    def subject(self) -> str:
        return self.subject_id


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


# --- reporting (issue 7) ---


@event_type("sprg.report.published.v1", topics.REPORTS)
class ReportPublished(EventData):
    """A report was produced (counts only: no personal data; the report itself is at ``path``)."""

    report_id: str = Field(description="kind and period, e.g. sprg_bimonthly:2026-03-01")
    kind: Literal["sprg_bimonthly", "executive_quarterly"]
    period_start: date
    period_end: date
    produced_at: datetime
    path: str = Field(description="URL path of the HTML report on the reporting service")
    counts: dict[str, int]

    def subject(self) -> str:
        return self.report_id

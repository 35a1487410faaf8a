"""What intake publishes on ``sprg.intake``: the incident and every later fact people record.

The rules service decides from them, the scheduler starts clocks on them, reporting folds
them. Like every event they carry ids, dates, agencies, roles and derived facts, never a
child's identity; free text people write stays in intake (encrypted) and is not on the bus.

Owned by intake; who reads it: ``sprg_shared.topics``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from sprg_shared import topics
from sprg_shared.contracts._base import Part
from sprg_shared.envelope import EventData, event_type

__all__ = [
    "AbuseOrNeglect",
    "ActionRecorded",
    "Attendance",
    "CaseNoticeRecorded",
    "CaseOfConcernReferred",
    "CaseOfConcernTriaged",
    "CaseTagged",
    "ChildFacts",
    "CocApproach",
    "CocMeeting",
    "CocTriage",
    "EscalationRecorded",
    "EscalationStep",
    "FactorRecord",
    "IncidentCorrected",
    "IncidentFacts",
    "IncidentKind",
    "IncidentReported",
    "InformationRequested",
    "LcsprDecided",
    "LcsprFactorsRecorded",
    "LcsprProgressed",
    "LcsprPublicationRecorded",
    "LearningShared",
    "Location",
    "MeetingAttendanceRecorded",
    "MeetingMember",
    "MeetingScheduled",
    "Partner",
    "PartnersView",
    "PurposeOutcome",
    "RapidReviewClosed",
    "RapidReviewHeld",
    "RapidReviewPurpose",
    "RapidReviewSentToPanel",
    "ReturnReceived",
    "ReviewType",
    "SinSubmitted",
]


IncidentKind = Literal["death", "serious_harm", "other"]


Location = Literal["in_area", "elsewhere_in_england", "outside_england"]


AbuseOrNeglect = Literal["known", "suspected", "none"]


class IncidentFacts(Part):
    kind: IncidentKind
    date: date
    location: Location
    abuse_or_neglect: AbuseOrNeglect


class ChildFacts(Part):
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


class EscalationStep(Part):
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


class PurposeOutcome(Part):
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


class FactorRecord(Part):
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


class MeetingMember(Part):
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

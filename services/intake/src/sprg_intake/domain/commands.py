"""Commands intake accepts, from the first incident report on: what people and agency
systems send. Orders, not facts.

Fields marked "encrypted" hold the words people write; they may name people, so intake
seals them at rest and never puts them on the bus.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sprg_shared.contracts.intake import (
    AbuseOrNeglect,
    Attendance,
    CocApproach,
    CocMeeting,
    CocTriage,
    IncidentKind,
    Location,
    Partner,
    PartnersView,
    RapidReviewPurpose,
    ReviewType,
)
from sprg_shared.vocabulary import (
    ESCALATION_STAGES,
    FACTORS,
    MAX_AGE_YEARS,
    Born,
    Happened,
    LcsprMethodology,
    Planned,
    age_on,
    unstorable,
)

Name = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Words = Annotated[str, Field(min_length=1, max_length=20_000)]
Milestone = Literal[
    "reviewer_appointed",
    "started",
    "draft_received",
    "final_report_received",
    "sent_to_panel_and_secretary_of_state",
]


class _Command(BaseModel):
    """Frozen, no unknown fields, no text or numbers that cannot be stored."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        found = unstorable(data)
        if found is not None:
            raise ValueError(f"{found[0]}: {found[1]}")
        return data


# --- The first report -----------------------------------------------------------------


class IncidentDetails(_Command):
    kind: IncidentKind
    date: Happened
    location: Location
    abuse_or_neglect: AbuseOrNeglect


class ChildDetails(_Command):
    """Personal data: encrypted at rest, never on the bus."""

    name: Name
    date_of_birth: Born
    address: Annotated[str, Field(max_length=500)] | None = None
    looked_after: bool
    care_leaver: bool
    normally_resident_in_area: bool


class ReportIncident(_Command):
    aware_date: Happened = Field(description="when the local authority became aware")
    event: IncidentDetails
    children: Annotated[list[ChildDetails], Field(min_length=1, max_length=4)]
    summary: Annotated[str, Field(max_length=20_000)] | None = Field(
        default=None, description="free text; may name people, so it is encrypted like them"
    )

    @model_validator(mode="after")
    def _dates_make_sense(self) -> ReportIncident:
        if self.aware_date < self.event.date:
            raise ValueError("aware_date is before event.date")
        for i, child in enumerate(self.children):
            if child.date_of_birth > self.event.date:
                raise ValueError(f"children.{i}.date_of_birth is after event.date")
            if age_on(child.date_of_birth, self.event.date) > MAX_AGE_YEARS:
                raise ValueError(
                    f"children.{i}.date_of_birth: over {MAX_AGE_YEARS} on event.date; the "
                    "oldest person these duties concern is a care leaver under 25"
                )
        return self


EXAMPLE_REPORT = {
    "aware_date": "2026-04-02",
    "event": {
        "kind": "death",
        "date": "2026-04-01",
        "location": "in_area",
        "abuse_or_neglect": "suspected",
    },
    "children": [
        {
            "name": "Child A",
            "date_of_birth": "2022-02-22",
            "address": "1 Example Road, Croydon",
            "looked_after": False,
            "care_leaver": False,
            "normally_resident_in_area": True,
        }
    ],
    "summary": "What is known so far.",
}


class RecordSinSubmission(_Command):
    """The Serious Incident Notification was submitted to the National Panel."""

    submitted_date: date
    panel_reference: Annotated[str, Field(min_length=1, max_length=100)] | None = None


# --- Corrections ------------------------------------------------------------------------


class IncidentCorrection(_Command):
    kind: IncidentKind | None = None
    date: Happened | None = None
    location: Location | None = None
    abuse_or_neglect: AbuseOrNeglect | None = None


class CorrectIncident(_Command):
    """A corrected fact of an incident report; recorded beside the old one, never over it."""

    aware_date: Happened | None = None
    event: IncidentCorrection | None = None
    children: Annotated[list[ChildDetails], Field(min_length=1, max_length=4)] | None = Field(
        default=None, description="the children as they now stand (the whole list)"
    )
    reason: Words = Field(description="why the fact is corrected (encrypted)")

    @model_validator(mode="after")
    def _corrects_something(self) -> CorrectIncident:
        if self.aware_date is None and self.event is None and self.children is None:
            raise ValueError("name at least one of aware_date, event, children to correct")
        return self


# --- Case of Concern ---------------------------------------------------------------------


class ConcernChild(_Command):
    """Personal data: encrypted."""

    name: Name
    date_of_birth: Born | None = None


class ReferCaseOfConcern(_Command):
    """The Case of Concern form: any agency may send it."""

    referred_date: Happened
    referrer_name: Name = Field(description="encrypted")
    referrer_role: Annotated[str, Field(min_length=1, max_length=200)]
    children: Annotated[list[ConcernChild], Field(min_length=1, max_length=6)]
    meets_sin_criteria: bool = Field(description="the referrer's view")
    meets_spr_criteria: bool = Field(description="the referrer's view")
    agencies_involved: Annotated[list[Code], Field(max_length=30)] = []
    concern: Words = Field(description="what happened and why it is a concern (encrypted)")
    learning_sought: Words | None = Field(default=None, description="encrypted")


class TriageCaseOfConcern(_Command):
    """The CSCP Business Manager's triage, and later the approach the meeting agreed."""

    triage: CocTriage
    triaged_date: Happened
    meeting: CocMeeting | None = None
    approach: CocApproach | None = None
    advice: Words | None = Field(default=None, description="advice given or rationale (encrypted)")

    @model_validator(mode="after")
    def _meeting_when_listed(self) -> TriageCaseOfConcern:
        if self.triage == "list_for_meeting" and self.meeting is None:
            raise ValueError("meeting is required when triage is list_for_meeting")
        if self.triage == "advice" and self.advice is None:
            raise ValueError("advice is required when triage is advice")
        return self


# --- Escalations -------------------------------------------------------------------------


class RaiseEscalation(_Command):
    with_agency: Code
    stage: Annotated[int, Field(ge=min(ESCALATION_STAGES), le=max(ESCALATION_STAGES))]
    stage_started_date: Happened
    copy_to_cscp_date: Happened | None = None
    summary: Words = Field(description="the disagreement (encrypted)")


class UpdateEscalation(_Command):
    stage: Annotated[int, Field(ge=min(ESCALATION_STAGES), le=max(ESCALATION_STAGES))] | None = None
    stage_started_date: Happened | None = None
    resolved_date: Happened | None = None
    copy_to_cscp_date: Happened | None = None
    note: Words | None = Field(default=None, description="encrypted")

    @model_validator(mode="after")
    def _changes_something(self) -> UpdateEscalation:
        if (self.stage is None) != (self.stage_started_date is None):
            raise ValueError("stage and stage_started_date go together")
        if self.stage is None and self.resolved_date is None and self.copy_to_cscp_date is None:
            raise ValueError("name a new stage, a resolved_date or a copy_to_cscp_date")
        return self


class TagReview(_Command):
    """The Business Team's themes and features of a review: the whole set."""

    subject_id: Annotated[str, Field(min_length=1, max_length=80)]
    review_type: ReviewType
    tags: Annotated[list[Code], Field(max_length=40)]


# --- Rapid Review --------------------------------------------------------------------------


class RequestInformation(_Command):
    agency: Code
    kind: Literal["information", "imr", "chronology", "other"]
    requested_date: Happened
    due_date: Planned
    coordinator: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")] | None = Field(
        default=None,
        description="the person (their id in the notifier's directory) who coordinates the "
        "return: told of the request with the agency's SPRG member",
    )

    @model_validator(mode="after")
    def _due_after_request(self) -> RequestInformation:
        if self.due_date < self.requested_date:
            raise ValueError("due_date is before requested_date")
        return self


class RecordNotice(_Command):
    notified_date: Happened = Field(description="the day the notice was given")


class PurposeInput(_Command):
    purpose: RapidReviewPurpose
    addressed: bool
    notes: Words | None = Field(default=None, description="encrypted")


class RecordRapidReview(_Command):
    held_date: Happened
    purposes: Annotated[list[PurposeInput], Field(min_length=4, max_length=4)]
    recommendation: Literal["lcspr", "no_lcspr", "undecided"]
    partners_view: PartnersView = Field(
        description="the partners' view sent to the Panel with the Rapid Review: local_review "
        "(an LCSPR), national_review (refer to the Panel for a national review) or no_review"
    )

    @model_validator(mode="after")
    def _each_purpose_once(self) -> RecordRapidReview:
        if len({p.purpose for p in self.purposes}) != 4:
            raise ValueError("purposes must name each of the four purposes once")
        if (self.recommendation, self.partners_view) in _CONTRADICTIONS:
            raise ValueError(
                f"partners_view {self.partners_view} contradicts recommendation "
                f"{self.recommendation}"
            )
        return self


# A recommended LCSPR is a local review; a local review is an LCSPR.
_CONTRADICTIONS = {
    ("lcspr", "no_review"),
    ("lcspr", "national_review"),
    ("no_lcspr", "local_review"),
}


class RecordSentToPanel(_Command):
    sent_date: Happened


class CloseRapidReview(_Command):
    closed_date: Happened
    reason: Literal["criteria_not_met"] = "criteria_not_met"
    rationale: Words = Field(description="why the SIN criteria were not met (encrypted)")


# --- LCSPR ---------------------------------------------------------------------------------


class FactorInput(_Command):
    present: bool
    explanation: Words | None = Field(default=None, description="encrypted")


class RecordLcsprFactors(_Command):
    serious_child_safeguarding_case: bool
    factors: dict[Code, FactorInput] = Field(
        description="every factor, present or absent (an absence is a finding): "
        + ", ".join(FACTORS)
    )

    @model_validator(mode="after")
    def _every_known_factor(self) -> RecordLcsprFactors:
        unknown = sorted(set(self.factors) - set(FACTORS))
        if unknown:
            raise ValueError(
                f"factors: unknown {', '.join(unknown)}; the factors are {', '.join(FACTORS)}"
            )
        missing = [name for name in FACTORS if name not in self.factors]
        if missing:
            raise ValueError(
                f"factors: record every factor, absent ones too; missing {', '.join(missing)}"
            )
        return self


class DecideLcspr(_Command):
    decision: Literal["commission", "do_not_commission"]
    decided_date: Happened
    methodology: LcsprMethodology | None = Field(
        default=None, description="how the review is carried out (other: say which in rationale)"
    )
    panel_informed_date: Happened | None = None
    rationale: Words | None = Field(default=None, description="encrypted")

    @model_validator(mode="after")
    def _methodology_when_commissioned(self) -> DecideLcspr:
        if self.decision == "commission" and self.methodology is None:
            raise ValueError("methodology is required when the review is commissioned")
        return self


class RecordLcsprProgress(_Command):
    milestone: Milestone
    milestone_date: Happened


class RecordLcsprPublication(_Command):
    planned_publication_date: Planned | None = None
    published_date: Happened | None = None
    not_publishing: bool = False
    reason_not_publishing: Words | None = Field(default=None, description="encrypted")
    agencies: Annotated[list[Code], Field(min_length=1, max_length=30)]
    press_offices_told: Annotated[list[Code], Field(max_length=30)] = []

    @model_validator(mode="after")
    def _reason_when_not_published(self) -> RecordLcsprPublication:
        if self.not_publishing and self.reason_not_publishing is None:
            raise ValueError("reason_not_publishing is required when not_publishing")
        if self.not_publishing and self.published_date is not None:
            raise ValueError("published_date cannot be given when not_publishing")
        return self


# --- SPRG meetings -------------------------------------------------------------------------


class ScheduleMeeting(_Command):
    meeting_date: Planned
    chair_partner: Partner
    papers_due_date: Planned | None = None


class AttendeeInput(_Command):
    seat: Code | None = Field(
        default=None,
        description="the SPRG seat (GET /v1/membership) this attendee fills: its role and "
        "partner are the seat's, and a proxy its holder named is of similar seniority",
    )
    role: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="required without a seat"
    )
    partner: Partner | None = None
    attendance: Attendance
    name: Name | None = Field(default=None, description="encrypted")
    proxy_name: Name | None = Field(default=None, description="encrypted")
    proxy_similar_seniority: bool | None = None
    apologies_received_date: Happened | None = None


class RecordAttendance(_Command):
    as_of: Happened
    members: Annotated[list[AttendeeInput], Field(min_length=1, max_length=60)]


class RecordMinutes(_Command):
    text: Words = Field(description="the minutes (encrypted)")
    approved_date: Happened | None = None


class RecordAction(_Command):
    source_id: Annotated[str, Field(min_length=1, max_length=80)]
    owner_agency: Code
    owner_role: Annotated[str, Field(min_length=1, max_length=200)]
    due_date: Planned
    description: Words = Field(description="encrypted")


class UpdateAction(_Command):
    status: Literal["open", "done", "dropped"]
    updated_date: Happened
    due_date: Planned | None = None
    note: Words | None = Field(default=None, description="encrypted")


class ShareLearning(_Command):
    source_id: Annotated[str, Field(min_length=1, max_length=80)]
    shared_date: Happened
    audiences: Annotated[list[Code], Field(min_length=1, max_length=30)]
    impact_reported: bool = False
    impact: Words | None = Field(default=None, description="encrypted")


class RecordMember(_Command):
    """Who holds a seat of the SPRG (the seed's table), and their proxies."""

    seat: Code
    name: Name = Field(description="encrypted")
    agency: Code
    person_id: Code | None = Field(
        default=None, description="the person's id in the notifier's directory (who is told)"
    )
    proxies: Annotated[list[Name], Field(max_length=5)] = Field(default=[], description="encrypted")
    from_date: Planned

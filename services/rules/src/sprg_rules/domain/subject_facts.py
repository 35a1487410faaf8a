"""What people record for the decisions beyond an incident (domain.md sections 4-8).

Each model is the typed input of one decision kind (``decide.py``): strict booleans and
integers, dates as real ``YYYY-MM-DD`` dates, no unknown fields. The words people write
("the facts behind it") are reasons, quoted back in the explanation; they should name
agencies and practice, never a child.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from sprg_shared.vocabulary import FACTORS, REG11_FACTORS, SEED_FACTORS, attendance_problems

_MODEL = ConfigDict(frozen=True, extra="forbid")


def _real_date(value: Any) -> Any:
    """Only a date or a ``YYYY-MM-DD`` string (no timestamps, no datetimes)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        return value
    msg = "must be a real date, YYYY-MM-DD"
    raise ValueError(msg)


IsoDate = Annotated[date, BeforeValidator(_real_date)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

# --- LCSPR decision support (reg 11 of the 2018 Regulations, and the seed) -----------

# The factor names are the vocabulary intake validates against too (one module, shared).
__all__ = ["FACTORS", "REG11_FACTORS", "SEED_FACTORS"]


class Factor(BaseModel):
    """One factor as people recorded it: present or absent, and the facts that make it so."""

    model_config = _MODEL

    present: StrictBool
    because: Words


class LcsprFactors(BaseModel):
    """Every factor must be recorded, absent ones too: an absence is a finding."""

    model_config = _MODEL

    improvements_needed: Factor
    recurrent_themes: Factor
    agencies_working_together: Factor
    panel_local_review: Factor
    improvements_previously_identified: Factor
    single_agency: Factor
    no_agency_involvement: Factor
    several_areas: Factor

    def get(self, name: str) -> Factor:
        factor: Factor = getattr(self, name)
        return factor


class LcsprDecisionFacts(BaseModel):
    model_config = _MODEL

    serious_child_safeguarding_case: StrictBool = Field(
        description="abuse or neglect known or suspected, and the child died or was seriously "
        "harmed (the Rapid Review's finding)"
    )
    factors: LcsprFactors


# --- Case of Concern ------------------------------------------------------------------

CocTriage = Literal["pending", "advice", "list_for_meeting"]
CocMeeting = Literal["sprg", "other_cscp_meeting"]
CocApproach = Literal["internal_file_review", "appreciative_inquiry", "policy_review"]


class CaseOfConcernFacts(BaseModel):
    model_config = _MODEL

    meets_sin_criteria: StrictBool
    meets_spr_criteria: StrictBool
    triage: CocTriage = Field(description="the CSCP Business Manager's triage outcome")
    meeting: CocMeeting | None = Field(default=None, description="where it is listed")
    approach: CocApproach | None = Field(default=None, description="the approach agreed")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        listed = self.triage == "list_for_meeting"
        if listed != (self.meeting is not None):
            msg = "meeting: give the meeting exactly when the triage lists the case for one"
            raise ValueError(msg)
        if self.approach is not None and not listed:
            msg = "approach: an approach is agreed only once the case is listed for a meeting"
            raise ValueError(msg)
        return self


# --- Escalations ----------------------------------------------------------------------


class EscalationFacts(BaseModel):
    model_config = _MODEL

    stage: StrictInt = Field(ge=1, le=9)
    stage_started_date: IsoDate
    resolved_date: IsoDate | None = None
    copy_to_cscp_date: IsoDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.resolved_date is not None and self.resolved_date < self.stage_started_date:
            msg = "resolved_date: before the stage started"
            raise ValueError(msg)
        return self


# --- SPRG meeting quoracy -------------------------------------------------------------

Partner = Literal["csc", "icb", "police"]
PARTNERS: tuple[Partner, ...] = ("csc", "icb", "police")
Attendance = Literal["expected", "in_person", "proxy", "apologies", "absent"]


class MemberAttendance(BaseModel):
    """One member (a role, not a name) and how they attend."""

    model_config = _MODEL

    role: Name
    partner: Partner | None = Field(default=None, description="the statutory partner, if any")
    attendance: Attendance
    proxy_similar_seniority: StrictBool | None = None
    apologies_received_date: IsoDate | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.attendance == "proxy") != (self.proxy_similar_seniority is not None):
            msg = "proxy_similar_seniority: give it exactly when a proxy attends"
            raise ValueError(msg)
        if (self.attendance == "apologies") != (self.apologies_received_date is not None):
            msg = "apologies_received_date: give it exactly when apologies were sent"
            raise ValueError(msg)
        return self


class MeetingFacts(BaseModel):
    model_config = _MODEL

    meeting_date: IsoDate
    as_of: IsoDate = Field(description="before the meeting date: a forecast")
    members: tuple[MemberAttendance, ...] = Field(min_length=1, max_length=100)

    @property
    def held(self) -> bool:
        return self.as_of >= self.meeting_date

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # The same checks intake makes before it accepts attendance (shared vocabulary).
        for field, problem in attendance_problems(self.meeting_date, self.as_of, self.members):
            raise ValueError(f"{field}: {problem}")
        return self


# --- LCSPR publication ----------------------------------------------------------------


class AgencyFacts(BaseModel):
    model_config = _MODEL

    name: Name
    press_office_told_date: IsoDate | None = None


class PublicationFacts(BaseModel):
    model_config = _MODEL

    partners_consider_inappropriate: StrictBool
    because: Words | None = Field(default=None, description="why, when inappropriate")
    planned_publication_date: IsoDate | None = None
    agencies: tuple[AgencyFacts, ...] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.partners_consider_inappropriate and self.because is None:
            msg = "because: say why the partners consider publication inappropriate"
            raise ValueError(msg)
        return self

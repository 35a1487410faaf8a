"""Case facts: the assessment contract's input, and the derived facts the rules read.

``CaseFacts`` holds no personal data (no dates of birth, no names): only what the rules
need, such as a child's age in whole years on the event date (``age_years``, its name on
the wire too). The incident is the wire's ``IncidentFacts`` (intake's contract: one set of
fields, one vocabulary), read strictly here as ``Event``: the assessment contract refuses a
field it does not know, where a reader of the bus ignores one a newer producer added.
``AssessmentInput`` is the offline/HTTP contract.
"""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    model_validator,
)

from sprg_shared.contracts.intake import AbuseOrNeglect, IncidentFacts, IncidentKind, Location

__all__ = [
    "AbuseOrNeglect",
    "AssessmentInput",
    "CaseFacts",
    "ChildFacts",
    "ChildInput",
    "Event",
    "IncidentKind",
    "Lcspr",
    "Location",
    "age_on",
    "derive_facts",
]

MAX_CHILDREN = 4

_STRICT = ConfigDict(frozen=True, extra="forbid")


class Event(IncidentFacts):
    """The wire's incident (``IncidentFacts``), refusing fields it does not know."""

    model_config = _STRICT


class Lcspr(BaseModel):
    model_config = _STRICT

    commissioned_date: date | None = None
    planned_publication_date: date | None = None


class ChildFacts(BaseModel):
    """One child or young person, as derived facts only."""

    model_config = _STRICT

    age_years: int = Field(
        ge=0,
        le=150,
        description="age in whole years on the event date",
        # Facts stored before the rules took the wire's name call it ``age``.
        validation_alias=AliasChoices("age_years", "age"),
    )
    looked_after: StrictBool
    care_leaver: StrictBool
    normally_resident_in_area: StrictBool


class CaseFacts(BaseModel):
    """Everything the rules read about one incident; no personal data."""

    model_config = _STRICT

    aware_date: date
    event: Event
    children: tuple[ChildFacts, ...] = Field(min_length=1, max_length=MAX_CHILDREN)
    sin_submitted_date: date | None = None
    criteria_not_met_date: date | None = None
    lcspr: Lcspr = Field(default_factory=Lcspr)


class ChildInput(BaseModel):
    model_config = _STRICT

    date_of_birth: date
    looked_after: StrictBool
    care_leaver: StrictBool
    normally_resident_in_area: StrictBool


class AssessmentInput(BaseModel):
    """The assessment contract's input (v1): ``sprg assess`` and ``POST /v1/assessments``."""

    model_config = _STRICT

    case_id: StrictStr = Field(min_length=1, max_length=200)
    aware_date: date
    event: Event
    children: tuple[ChildInput, ...] = Field(min_length=1, max_length=MAX_CHILDREN)
    sin_submitted_date: date | None = None
    criteria_not_met_date: date | None = None
    lcspr: Lcspr = Field(default_factory=Lcspr)

    @model_validator(mode="after")
    def _born_by_event_date(self) -> Self:
        for index, child in enumerate(self.children):
            if child.date_of_birth > self.event.date:
                msg = f"children.{index}.date_of_birth: after the event date"
                raise ValueError(msg)
        return self


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on ``on``.

    A person attains an age at the start of the anniversary of their birth. Someone
    born on 29 February attains it on 1 March in a common year (Family Law Reform Act
    1969 s9: the anniversary falls on the day after 28 February), so on 28 February
    of a common year they are still a year younger.
    """
    years = on.year - date_of_birth.year
    birthday_reached = (on.month, on.day) >= (date_of_birth.month, date_of_birth.day)
    return years if birthday_reached else years - 1


def derive_facts(case: AssessmentInput) -> CaseFacts:
    """The derived facts of an assessment input (ages on the event date, no DOB)."""
    return CaseFacts(
        aware_date=case.aware_date,
        event=case.event,
        children=tuple(
            ChildFacts(
                age_years=age_on(child.date_of_birth, case.event.date),
                looked_after=child.looked_after,
                care_leaver=child.care_leaver,
                normally_resident_in_area=child.normally_resident_in_area,
            )
            for child in case.children
        ),
        sin_submitted_date=case.sin_submitted_date,
        criteria_not_met_date=case.criteria_not_met_date,
        lcspr=case.lcspr,
    )

"""Commands intake accepts: what people and agency systems send. Orders, not facts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sprg_shared.events import AbuseOrNeglect, IncidentKind, Location
from sprg_shared.vocabulary import MAX_AGE_YEARS, Born, Happened, age_on, unstorable

Text = Annotated[str, Field(min_length=1, max_length=200)]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        found = unstorable(data)
        if found is not None:
            raise ValueError(f"{found[0]}: {found[1]}")
        return data


class IncidentDetails(_Command):
    kind: IncidentKind
    date: Happened
    location: Location
    abuse_or_neglect: AbuseOrNeglect


class ChildDetails(_Command):
    """Personal data: encrypted at rest, never on the bus."""

    name: Text
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

"""A reported incident becomes a case: personal details kept apart, derived facts emitted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sprg_intake.domain.commands import ReportIncident
from sprg_shared.ages import age_on
from sprg_shared.contracts.intake import ChildFacts, IncidentFacts, IncidentReported


@dataclass(frozen=True)
class NewCase:
    case_id: str
    reference: str
    agency: str
    personal: bytes
    event: IncidentReported


def reference_for(case_id: str, reported_at: datetime) -> str:
    """A short reference people can say on the phone; unique because the case id is."""
    return f"SIN-{reported_at.year}-{case_id.replace('-', '')[:8].upper()}"


def open_incident_case(
    command: ReportIncident, *, case_id: str, agency: str, reported_at: datetime
) -> NewCase:
    reference = reference_for(case_id, reported_at)
    event = IncidentReported(
        case_id=case_id,
        reference=reference,
        reporting_agency=agency,
        reported_at=reported_at,
        aware_date=command.aware_date,
        incident=IncidentFacts.model_validate(command.event.model_dump()),
        children=tuple(
            ChildFacts(
                age_years=age_on(child.date_of_birth, command.event.date),
                looked_after=child.looked_after,
                care_leaver=child.care_leaver,
                normally_resident_in_area=child.normally_resident_in_area,
            )
            for child in command.children
        ),
    )
    personal = json.dumps(
        {
            "children": [
                c.model_dump(mode="json", include={"name", "date_of_birth", "address"})
                for c in command.children
            ],
            "summary": command.summary,
        }
    ).encode()
    return NewCase(
        case_id=case_id, reference=reference, agency=agency, personal=personal, event=event
    )

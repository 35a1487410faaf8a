"""A correction makes new standing facts from the old ones; the old stay as they were."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sprg_intake.domain.commands import CorrectIncident
from sprg_shared.ages import age_on
from sprg_shared.contracts.intake import ChildFacts, IncidentFacts


class CorrectionRefused(ValueError):
    """The correction changes nothing, or leaves facts that contradict each other."""


@dataclass(frozen=True)
class Standing:
    """An incident's facts as they now stand, with the children's personal details."""

    aware_date: date
    incident: IncidentFacts
    children: tuple[ChildFacts, ...]
    personal_children: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Corrected:
    standing: Standing
    corrected_fields: tuple[str, ...]


def correct(current: Standing, command: CorrectIncident) -> Corrected:
    changed: list[str] = []
    aware = current.aware_date
    if command.aware_date is not None and command.aware_date != aware:
        aware = command.aware_date
        changed.append("aware_date")
    incident = current.incident.model_dump()
    if command.event is not None:
        for name, value in command.event.model_dump(exclude_none=True).items():
            if incident[name] != value:
                incident[name] = value
                changed.append(f"event.{name}")
    facts = IncidentFacts.model_validate(incident)
    if command.children is not None:
        personal = tuple(
            c.model_dump(mode="json", include={"name", "date_of_birth", "address"})
            for c in command.children
        )
        flags = [
            (c.looked_after, c.care_leaver, c.normally_resident_in_area) for c in command.children
        ]
    else:
        personal = current.personal_children
        flags = [
            (c.looked_after, c.care_leaver, c.normally_resident_in_area) for c in current.children
        ]
    if personal != current.personal_children:
        changed.append("children")
    if aware < facts.date:
        raise CorrectionRefused("aware_date is before event.date")
    children = []
    for i, (child, (looked_after, care_leaver, resident)) in enumerate(
        zip(personal, flags, strict=True)
    ):
        born = date.fromisoformat(child["date_of_birth"])
        if born > facts.date:
            raise CorrectionRefused(f"children.{i}.date_of_birth is after event.date")
        children.append(
            ChildFacts(
                age_years=age_on(born, facts.date),
                looked_after=looked_after,
                care_leaver=care_leaver,
                normally_resident_in_area=resident,
            )
        )
    if tuple(children) != current.children and "children" not in changed:
        changed.append("children")
    if not changed:
        raise CorrectionRefused("the correction changes nothing")
    return Corrected(
        standing=Standing(
            aware_date=aware,
            incident=facts,
            children=tuple(children),
            personal_children=personal,
        ),
        corrected_fields=tuple(changed),
    )

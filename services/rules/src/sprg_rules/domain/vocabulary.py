"""What a rule pack may talk about: the facts it can read, the outcomes it can decide.

This is the fixed vocabulary between pack authors and the code; a pack naming a fact
or outcome outside it is refused at load time with a clear error.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from sprg_rules.domain.facts import AbuseOrNeglect, CaseFacts, IncidentKind, Location
from sprg_rules.domain.factspec import FactSpec, FactType, Outcomes, Vocabulary
from sprg_rules.domain.subject_vocabulary import SUBJECT_VOCABULARIES

__all__ = ["FactSpec", "FactType", "Vocabulary"]


FACTS: dict[str, FactSpec] = {
    "aware_date": FactSpec("date"),
    "event.date": FactSpec("date"),
    "event.kind": FactSpec("enum", get_args(IncidentKind)),
    "event.location": FactSpec("enum", get_args(Location)),
    "event.abuse_or_neglect": FactSpec("enum", get_args(AbuseOrNeglect)),
    "child.age_years": FactSpec("int"),
    "child.looked_after": FactSpec("bool"),
    "child.care_leaver": FactSpec("bool"),
    "child.normally_resident_in_area": FactSpec("bool"),
    "sin_submitted_date": FactSpec("date"),
    "criteria_not_met_date": FactSpec("date"),
    "lcspr.commissioned_date": FactSpec("date"),
    "lcspr.planned_publication_date": FactSpec("date"),
}

# Outcome name -> the detail keys it takes and their allowed values.
OUTCOMES: Outcomes = {
    "panel_notification_required": {"subsection": ("a", "b")},
    "panel_notification_not_required": {},
    "other_area_notifies": {},
    "rapid_review_required": {},
    "rapid_review_not_required": {},
    "dfe_ofsted_notification_required": {
        "reason": ("care_leaver_death", "looked_after_child_death"),
    },
    "dfe_ofsted_notification_not_required": {},
    "csab_liaison_required": {},
    "csab_liaison_not_required": {},
    "lcspr_completion_target": {},
    "lcspr_prepublication_target": {},
}

DECIDED_PREFIX = "decided."

OPERATORS_BY_TYPE: dict[FactType, frozenset[str]] = {
    "enum": frozenset({"eq", "ne", "in", "not_in"}),
    "int": frozenset({"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in"}),
    "bool": frozenset({"eq", "ne"}),
    "date": frozenset({"is_set", "is_null"}),
    "text": frozenset(),
}

Scalar = str | int | bool | None

Subject = Literal[
    "incident", "lcspr_decision", "case_of_concern", "escalation", "meeting", "lcspr_publication"
]
INCIDENT = Vocabulary(subject="incident", facts=FACTS, outcomes=OUTCOMES)
VOCABULARIES: dict[str, Vocabulary] = {
    vocabulary.subject: vocabulary for vocabulary in (INCIDENT, *SUBJECT_VOCABULARIES)
}
if set(VOCABULARIES) != set(get_args(Subject)):
    raise ValueError("every subject needs exactly one vocabulary")


def _union_facts() -> dict[str, FactSpec]:
    union: dict[str, FactSpec] = {}
    for vocabulary in VOCABULARIES.values():
        for name, spec in vocabulary.facts.items():
            if union.setdefault(name, spec) != spec:
                msg = f"fact {name!r} means different things in two vocabularies"
                raise ValueError(msg)
    return union


def _union_outcomes() -> Outcomes:
    union: Outcomes = {}
    for vocabulary in VOCABULARIES.values():
        for name, detail in vocabulary.outcomes.items():
            if union.setdefault(name, detail) != detail:
                msg = f"outcome {name!r} means different things in two vocabularies"
                raise ValueError(msg)
    return union


# Every subject's facts and outcomes: what any pack may name (a pack is then held to
# its own subject's vocabulary, see ``Pack``).
ALL_FACTS = _union_facts()
ALL_OUTCOMES = _union_outcomes()


def fact_spec(path: str) -> FactSpec | None:
    """The spec of a readable fact, including ``decided.<outcome>`` booleans."""
    if path.startswith(DECIDED_PREFIX):
        return FactSpec("bool") if path.removeprefix(DECIDED_PREFIX) in ALL_OUTCOMES else None
    return ALL_FACTS.get(path)


def in_vocabulary(path: str, vocabulary: Vocabulary) -> bool:
    if path.startswith(DECIDED_PREFIX):
        return path.removeprefix(DECIDED_PREFIX) in vocabulary.outcomes
    return path in vocabulary.facts


def with_decided(
    base: dict[str, Scalar], vocabulary: Vocabulary, decided: frozenset[str]
) -> dict[str, Scalar]:
    """A subject's snapshot with its ``decided.<outcome>`` booleans."""
    values = dict(base)
    for outcome in vocabulary.outcomes:
        values[DECIDED_PREFIX + outcome] = outcome in decided
    return values


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def snapshot(facts: CaseFacts, child_index: int, decided: frozenset[str]) -> dict[str, Scalar]:
    """The flat fact snapshot the rules see for one child of the incident."""
    child = facts.children[child_index]
    values: dict[str, Scalar] = {
        "aware_date": _iso(facts.aware_date),
        "event.date": _iso(facts.event.date),
        "event.kind": facts.event.kind,
        "event.location": facts.event.location,
        "event.abuse_or_neglect": facts.event.abuse_or_neglect,
        "child.age_years": child.age_years,
        "child.looked_after": child.looked_after,
        "child.care_leaver": child.care_leaver,
        "child.normally_resident_in_area": child.normally_resident_in_area,
        "sin_submitted_date": _iso(facts.sin_submitted_date),
        "criteria_not_met_date": _iso(facts.criteria_not_met_date),
        "lcspr.commissioned_date": _iso(facts.lcspr.commissioned_date),
        "lcspr.planned_publication_date": _iso(facts.lcspr.planned_publication_date),
    }
    for outcome in OUTCOMES:
        values[DECIDED_PREFIX + outcome] = outcome in decided
    return values

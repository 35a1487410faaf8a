"""The decisions beyond an incident (domain.md sections 4-8), one call per kind.

``decide(kind, facts)`` validates the facts against the kind's typed input, evaluates the
kind's pack (rules as data, with sources and plain-words reasons) with the same engine
and evaluator as an incident, and answers with the evaluation and a kind-shaped summary.
Kinds: ``lcspr_decision``, ``case_of_concern``, ``escalation``, ``meeting``,
``lcspr_publication`` (each is also its pack's ``subject``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import to_jsonable_python

from sprg_rules.domain import answers, subject_views
from sprg_rules.domain.conditions import Snapshot
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import DueDate, Evaluation, RulePack, evaluate_each
from sprg_rules.domain.golden_failure import GoldenFailure
from sprg_rules.domain.loader import parse_pack
from sprg_rules.domain.pack_tables import Tables
from sprg_rules.domain.parsing import InputError
from sprg_rules.domain.subject_facts import (
    CaseOfConcernFacts,
    EscalationFacts,
    LcsprDecisionFacts,
    MeetingFacts,
    PublicationFacts,
)
from sprg_rules.domain.vocabulary import VOCABULARIES, with_decided
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.decisions import DueBasis

_FIELD = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*")


@dataclass(frozen=True)
class Kind:
    name: str
    facts: type[BaseModel]
    views: Callable[[Any, Tables], list[subject_views.Base]]
    answer: Callable[[Any, Evaluation, answers.PerView, RulePack], answers.Answer]
    pack_file: str


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("lcspr_decision", LcsprDecisionFacts, subject_views.lcspr_decision_views,
             answers.lcspr_decision, "lcspr-decision.yaml"),
        Kind("case_of_concern", CaseOfConcernFacts, subject_views.case_of_concern_views,
             answers.case_of_concern, "case-of-concern.yaml"),
        Kind("escalation", EscalationFacts, subject_views.escalation_views,
             answers.escalation, "escalation.yaml"),
        Kind("meeting", MeetingFacts, subject_views.meeting_views,
             answers.meeting, "sprg-meeting.yaml"),
        Kind("lcspr_publication", PublicationFacts, subject_views.publication_views,
             answers.lcspr_publication, "lcspr-publication.yaml"),
    )
}  # fmt: skip


class Decided(BaseModel):
    """One decision of a kind: the evaluation (reasons, sources, clocks) and the answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    evaluation: Evaluation
    answer: dict[str, Any]


class UnknownKindError(ValueError):
    """No decision of that kind exists."""


def kind_of(name: str) -> Kind:
    if name not in KINDS:
        msg = f"unknown decision kind {name!r} (one of {', '.join(KINDS)})"
        raise UnknownKindError(msg)
    return KINDS[name]


@cache
def load_kind_pack(name: str) -> RulePack:
    """The pack shipped for a decision kind (parsed once per process)."""
    file = kind_of(name).pack_file
    text = resources.files("sprg_rules.packs").joinpath(file).read_text(encoding="utf-8")
    return parse_pack(text, origin=file)


def parse_facts(name: str, facts: Mapping[str, Any] | BaseModel) -> BaseModel:
    """The kind's typed facts; bad input raises ``InputError`` naming the field."""
    model = kind_of(name).facts
    if isinstance(facts, model):
        return facts
    try:
        return model.model_validate(facts)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        named, _, rest = message.partition(": ")
        if first["type"] == "value_error" and rest and _FIELD.fullmatch(named):
            # Cross-field checks name their field, relative to where they ran.
            field, message = (f"{field}.{named}" if field else named), rest
        problem = {"missing": "missing", "extra_forbidden": "unknown field"}.get(
            first["type"], message
        )
        raise InputError(field, problem) from None


def decide(
    kind: str,
    facts: Mapping[str, Any] | BaseModel,
    calendar: WorkingDayCalendar | None = None,
    rulepack: RulePack | None = None,
    engine: RuleEngine | None = None,
) -> Decided:
    """Decide one matter of ``kind`` from its facts, with the kind's pack (or ``rulepack``)."""
    spec = kind_of(kind)
    typed = parse_facts(kind, facts)
    rulepack = rulepack or load_kind_pack(kind)
    if rulepack.pack.subject != kind:
        msg = f"pack {rulepack.pack.id} decides about {rulepack.pack.subject}, not {kind}"
        raise UnknownKindError(msg)
    calendar = calendar or WorkingDayCalendar()
    try:
        bases = spec.views(typed, rulepack.pack.tables)
    except subject_views.UnknownStageError as error:
        raise InputError("stage", str(error).partition(": ")[2]) from None
    vocabulary = VOCABULARIES[kind]

    def views(decided: frozenset[str]) -> list[Snapshot]:
        return [with_decided(base, vocabulary, decided) for base in bases]

    evaluation, per_view = evaluate_each(views, rulepack, calendar, engine)
    if isinstance(typed, EscalationFacts):
        evaluation = _with_stage_clock(typed, evaluation, rulepack, calendar)
    answer = spec.answer(typed, evaluation, per_view, rulepack)
    return Decided(kind=kind, evaluation=evaluation, answer=to_jsonable_python(answer))


def _with_stage_clock(
    facts: EscalationFacts, evaluation: Evaluation, rulepack: RulePack, cal: WorkingDayCalendar
) -> Evaluation:
    """The stage's timescale from the stage table: a clock from the day the stage began."""
    row = rulepack.pack.tables.stage(facts.stage)
    if row is None:
        return evaluation
    due = cal.add_working_days(facts.stage_started_date, row.resolve_within_working_days)
    done = facts.resolved_date
    clock = DueDate(
        due=due,
        anchor="escalation.stage_started_date",
        anchor_date=facts.stage_started_date,
        rule=f"tables.escalation_stages.{row.stage}",
        status="open" if done is None else ("met" if done <= due else "late"),
        met_on=done,
        basis=DueBasis(count=row.resolve_within_working_days, unit="working_days"),
    )
    clocks = {**evaluation.clocks, "escalation_stage": clock}
    return evaluation.model_copy(update={"clocks": clocks})


def to_output(decided: Decided) -> dict[str, Any]:
    """The JSON answer of one decision (the shape the service returns and golden cases use)."""
    result = decided.evaluation
    clocks: dict[str, Any] = {}
    for name, clock in result.clocks.items():
        clocks[name] = {"due": clock.due.isoformat()}
        if clock.status is not None:
            clocks[name]["status"] = clock.status
    return {
        "kind": decided.kind,
        "rulepack": {"id": result.pack_id, "version": result.pack_version},
        **decided.answer,
        "clocks": clocks,
        "decisions": [decision.model_dump(mode="json") for decision in result.decisions],
    }


def run_kind_golden_cases(
    rulepack: RulePack, calendar: WorkingDayCalendar, engine: RuleEngine | None = None
) -> list[GoldenFailure]:
    """Every mismatch between a golden case of a non-incident pack and the pack's answer."""
    failures: list[GoldenFailure] = []
    kind = rulepack.pack.subject
    for golden in rulepack.pack.golden:
        try:
            actual = to_output(decide(kind, golden.input, calendar, rulepack, engine))
        except InputError as error:
            failures.append(GoldenFailure(golden.name, "input", "valid input", str(error)))
            continue
        for field, expected in to_jsonable_python(golden.expect).items():
            got = (
                [d["rule"] for d in actual["decisions"]]
                if field == "rules_fired"
                else actual.get(field)
            )
            if got != expected:
                failures.append(GoldenFailure(golden.name, field, expected, got))
    return failures

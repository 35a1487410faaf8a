"""Evaluates a pack against a case's derived facts: decisions, outcomes and clocks.

The engine (durable_rules) decides which rules fire; the same condition trees give the
plain-words reasons, and any disagreement between the two is an error, never a guess.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from sprg_rules.domain.conditions import Snapshot, explain
from sprg_rules.domain.engine import RuleEngine, default_engine
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.pack import RENAMED_FACTS, ClockSpec, Pack, Rule, rule_strata
from sprg_rules.domain.vocabulary import snapshot
from sprg_shared.calendar import WorkingDayCalendar, add_months
from sprg_shared.contracts.decisions import DueBasis

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class EngineDisagreementError(RuntimeError):
    """The rule engine and the explanation disagree: the decision cannot be trusted."""


class Decision(BaseModel):
    model_config = _FROZEN

    rule: str
    outcome: str
    because: tuple[str, ...]
    source: str


class DueDate(BaseModel):
    """The due date the pack computed for one kind of clock (working days or months from an
    anchor, and met or late when the pack says what meets it); the scheduler keeps the clock."""

    model_config = _FROZEN

    due: date
    anchor: str
    anchor_date: date
    rule: str
    status: str | None = None
    met_on: date | None = None
    """The day the fact that stops the clock happened (``met_by``), when it has."""
    basis: DueBasis | None = None
    """How ``due`` was counted from ``anchor_date`` (the pack's amount and direction)."""


class Evaluation(BaseModel):
    """What the pack decided for one case (no personal data)."""

    model_config = _FROZEN

    pack_id: str
    pack_version: str
    pack_hash: str
    decisions: tuple[Decision, ...]
    fired: tuple[tuple[str, str], ...]  # (outcome, detail as "key=value" or "")
    clocks: dict[str, DueDate]


# Fields added to the format after packs were stored: left out of the hash while they
# hold their defaults, so an existing pack keeps the hash its decisions recorded.
_LATER_FIELDS: dict[str, Any] = {"subject": "incident", "tables": {
    "escalation_stages": [], "coc_approaches": [], "quorum_partners": []}}  # fmt: skip


def content_hash(pack: Pack) -> str:
    data = pack.model_dump(mode="json", by_alias=True)
    for name, default in _LATER_FIELDS.items():
        if data.get(name) == default:
            del data[name]
    canonical = json.dumps(data, sort_keys=True)
    for old, new in RENAMED_FACTS.items():  # hashed under the names it was stored with
        canonical = canonical.replace(new, old)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class RulePack:
    """A validated pack with its content hash and evaluation order, ready to evaluate."""

    pack: Pack
    content_hash: str
    plan: tuple[tuple[str, ...], ...]  # rule ids by stratum

    @classmethod
    def of(cls, pack: Pack) -> RulePack:
        strata = rule_strata(pack)
        levels = sorted(set(strata.values()))
        plan = tuple(tuple(r.id for r in pack.rules if strata[r.id] == level) for level in levels)
        return cls(pack=pack, content_hash=content_hash(pack), plan=plan)


# The fact snapshots of one case, given the outcomes decided so far: one per child of
# an incident, per partner of a meeting, per agency of a publication... (any suffices).
Views = Callable[[frozenset[str]], list[Snapshot]]


class WrongSubjectError(ValueError):
    """A pack was asked to decide about something its subject does not cover."""


def evaluate(
    facts: CaseFacts,
    rulepack: RulePack,
    calendar: WorkingDayCalendar,
    engine: RuleEngine | None = None,
) -> Evaluation:
    """Run every rule of the pack for every child of the incident (any child suffices)."""
    if rulepack.pack.subject != "incident":
        msg = f"pack {rulepack.pack.id} decides about {rulepack.pack.subject}, not an incident"
        raise WrongSubjectError(msg)

    def views(decided: frozenset[str]) -> list[Snapshot]:
        return [snapshot(facts, child, decided) for child in range(len(facts.children))]

    return evaluate_views(views, rulepack, calendar, engine)


def evaluate_views(
    views: Views,
    rulepack: RulePack,
    calendar: WorkingDayCalendar,
    engine: RuleEngine | None = None,
) -> Evaluation:
    """Run every rule of the pack on every snapshot; a rule fires if any snapshot fires it."""
    return evaluate_each(views, rulepack, calendar, engine)[0]


def evaluate_each(
    views: Views,
    rulepack: RulePack,
    calendar: WorkingDayCalendar,
    engine: RuleEngine | None = None,
) -> tuple[Evaluation, tuple[frozenset[str], ...]]:
    """``evaluate_views``, and also the outcomes each snapshot fired (in snapshot order)."""
    engine = engine or default_engine()
    pack, pack_hash, plan = rulepack.pack, rulepack.content_hash, rulepack.plan
    decided: set[str] = set()
    fired: dict[str, list[Snapshot]] = {}
    ranked: list[tuple[int, Decision]] = []
    denials: dict[str, list[str]] = {}
    order = {rule.id: index for index, rule in enumerate(pack.rules)}
    per_view: dict[int, set[str]] = {}
    for rule_ids in plan:
        new_outcomes: set[str] = set()
        for index, view in enumerate(views(frozenset(decided))):
            per_view.setdefault(index, set())
            by_engine = engine.fired(pack, pack_hash, list(rule_ids), view)
            for rule_id in rule_ids:
                rule = pack.rule(rule_id)
                applies, reasons = explain(rule.when, view)
                if applies != (rule_id in by_engine):
                    msg = f"engine and explanation disagree on {rule_id} (pack {pack_hash[:12]})"
                    raise EngineDisagreementError(msg)
                if not applies:
                    denials.setdefault(rule_id, []).extend(reasons)
                    continue
                fired.setdefault(rule_id, []).append(view)
                new_outcomes.add(rule.outcome)
                per_view[index].add(rule.outcome)
                decision = Decision(
                    rule=rule.id, outcome=rule.outcome, because=tuple(reasons), source=rule.source
                )
                if (order[rule_id], decision) not in ranked:
                    ranked.append((order[rule_id], decision))
        decided |= new_outcomes
    for question in pack.questions:
        if not any(rule_id in fired for rule_id in question.rules):
            because = [text for rule_id in question.rules for text in denials.get(rule_id, [])]
            decision = Decision(
                rule=question.id,
                outcome=question.otherwise,
                because=tuple(dict.fromkeys(because)),
                source=question.source,
            )
            ranked.append((min(order[rule_id] for rule_id in question.rules), decision))
    ranked.sort(key=lambda item: item[0])
    rules_fired = [rule for rule in pack.rules if rule.id in fired]
    evaluation = Evaluation(
        pack_id=pack.id,
        pack_version=pack.version,
        pack_hash=pack_hash,
        decisions=tuple(decision for _, decision in ranked),
        fired=tuple(sorted({(rule.outcome, _detail(rule)) for rule in rules_fired})),
        clocks=_clocks(rules_fired, fired, pack, calendar),
    )
    return evaluation, tuple(frozenset(per_view[index]) for index in sorted(per_view))


def _detail(rule: Rule) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(rule.detail.items()))


def _clocks(
    rules: list[Rule], fired: dict[str, list[Snapshot]], pack: Pack, calendar: WorkingDayCalendar
) -> dict[str, DueDate]:
    clocks: dict[str, DueDate] = {}
    settings = pack.settings.model_dump()
    for rule in rules:
        view = fired[rule.id][0]
        for spec in rule.clocks:
            applies = all(settings.get(k) == v for k, v in spec.if_setting.items())
            if spec.clock in clocks or not applies:
                continue
            clock = _due_date(spec, view, clocks, calendar, rule.id)
            if clock is not None:
                clocks[spec.clock] = clock
    return clocks


def _due_date(
    spec: ClockSpec,
    view: Snapshot,
    clocks: dict[str, DueDate],
    calendar: WorkingDayCalendar,
    rule_id: str,
) -> DueDate | None:
    anchor: tuple[str, date] | None = None
    for ref in spec.anchor:
        name = ref.removeprefix("clock.")
        if ref.startswith("clock.") and name in clocks:
            anchor = (ref, clocks[name].due)
            break
        value = view.get(ref)
        if not ref.startswith("clock.") and isinstance(value, str):
            anchor = (ref, date.fromisoformat(value))
            break
    if anchor is None:
        return None
    start = anchor[1]
    if spec.months is not None:
        due = add_months(start, spec.months)
        basis = DueBasis(count=spec.months, unit="months")
    else:
        n = spec.working_days or 0
        basis = DueBasis(count=n, unit="working_days", direction=spec.direction)
        if spec.direction == "after":
            due = calendar.add_working_days(start, n)
        else:
            due = calendar.working_days_before(start, n)
    status, met_on = None, None
    if spec.met_by is not None:
        done = view.get(spec.met_by)
        met_on = date.fromisoformat(done) if isinstance(done, str) else None
        status = "open" if met_on is None else ("met" if met_on <= due else "late")
    return DueDate(
        due=due,
        anchor=anchor[0],
        anchor_date=start,
        rule=rule_id,
        status=status,
        met_on=met_on,
        basis=basis,
    )

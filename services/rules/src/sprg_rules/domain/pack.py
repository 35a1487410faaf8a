"""The rule pack as a typed tree: our own format, with no rule-engine details in it.

A pack is a data file (YAML) with an id, a version, the dates it is in force, settings,
rules (conditions over derived facts, an outcome, plain-words reasons, a source and the
clocks the rule starts), questions (what to say when none of a group of rules applies)
and golden cases. See ``packs/statutory-england.yaml``.

A pack has a ``subject``: what it decides about. ``incident`` (the default: the
statutory pack) reads the facts of ``vocabulary.FACTS``; ``lcspr_decision``,
``case_of_concern``, ``escalation``, ``meeting`` and ``lcspr_publication`` each read
their own (``subject_vocabulary.py``) and are evaluated through ``decide.py``. A pack may
name only its subject's facts and outcomes. ``tables`` hold configuration the decisions
quote (escalation stages, Case of Concern approaches, quorum partners:
``pack_tables.py``); they are data, not rules.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from sprg_rules.domain.pack_tables import Tables, check_tables
from sprg_rules.domain.vocabulary import (
    ALL_FACTS,
    ALL_OUTCOMES,
    DECIDED_PREFIX,
    OPERATORS_BY_TYPE,
    VOCABULARIES,
    Scalar,
    Subject,
    fact_spec,
    in_vocabulary,
)

_IDENT = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
_PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")
_BRACED = re.compile(r"\{[^{}]*\}")
_MODEL = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_set", "is_null"]


def placeholders(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


RENAMED_FACTS: dict[str, str] = {"child.age": "child.age_years"}
"""Facts under the name a pack written before a rename used: read as the new name (the wire's:
``age_years``), and hashed under the old one (``evaluate.content_hash``), so a stored pack is
neither refused nor re-hashed."""


def renamed(text: str) -> str:
    """``text`` with each ``{old.name}`` placeholder under its new name."""
    for old, new in RENAMED_FACTS.items():
        text = text.replace(f"{{{old}}}", f"{{{new}}}")
    return text


class Leaf(BaseModel):
    """One test on one fact, with what it means in plain words either way."""

    model_config = _MODEL

    fact: str
    op: Operator
    value: Scalar | tuple[Scalar, ...] = None
    says: str = Field(min_length=1, description="plain words when the test holds")
    denies: str = Field(min_length=1, description="plain words when it does not")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("fact"), str):
            data["fact"] = RENAMED_FACTS.get(data["fact"], data["fact"])
        for key in ("says", "denies"):
            if isinstance(data.get(key), str):
                data[key] = renamed(data[key])
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        spec = fact_spec(self.fact)
        if spec is None:
            msg = f"unknown fact {self.fact!r}"
            raise ValueError(msg)
        if self.op not in OPERATORS_BY_TYPE[spec.type]:
            allowed = ", ".join(sorted(OPERATORS_BY_TYPE[spec.type]))
            msg = f"operator {self.op!r} not allowed on {spec.type} fact {self.fact!r} ({allowed})"
            raise ValueError(msg)
        values = self.value if isinstance(self.value, tuple) else (self.value,)
        for text in (self.says, self.denies):
            for name in placeholders(text):
                if name not in ALL_FACTS:
                    msg = f"unknown fact {{{name}}} in text {text!r}"
                    raise ValueError(msg)
        if (self.op in {"in", "not_in"}) != isinstance(self.value, tuple):
            msg = f"operator {self.op!r} on {self.fact!r}: 'in'/'not_in' and only they take a list"
            raise ValueError(msg)
        if self.op in {"is_set", "is_null"}:
            if self.value is not None:
                msg = f"operator {self.op!r} on {self.fact!r} takes no value"
                raise ValueError(msg)
            return self
        for value in values:
            _check_value(self.fact, spec.type, spec.values, value)
        return self


def _check_value(fact: str, kind: str, allowed: tuple[str, ...], value: Scalar) -> None:
    ok = {
        "enum": isinstance(value, str) and value in allowed,
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
    }.get(kind, False)
    if not ok:
        expected = f"one of {', '.join(allowed)}" if kind == "enum" else f"a {kind}"
        msg = f"value {value!r} for {fact!r} must be {expected}"
        raise ValueError(msg)


class AllOf(BaseModel):
    model_config = _MODEL

    all_of: tuple[Condition, ...] = Field(alias="all", min_length=1)


class AnyOf(BaseModel):
    model_config = _MODEL

    any_of: tuple[Condition, ...] = Field(alias="any", min_length=1)


def _condition_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "all" if "all" in value else "any" if "any" in value else "leaf"
    if isinstance(value, AllOf):
        return "all"
    return "any" if isinstance(value, AnyOf) else "leaf"


Condition = Annotated[
    Annotated[Leaf, Tag("leaf")] | Annotated[AllOf, Tag("all")] | Annotated[AnyOf, Tag("any")],
    Discriminator(_condition_kind),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()


def leaves(condition: Condition) -> list[Leaf]:
    if isinstance(condition, Leaf):
        return [condition]
    children = condition.all_of if isinstance(condition, AllOf) else condition.any_of
    return [leaf for child in children for leaf in leaves(child)]


class ClockSpec(BaseModel):
    """A clock a rule starts: anchor (first one set), amount and direction."""

    model_config = _MODEL

    clock: str = Field(pattern=_IDENT)
    anchor: tuple[str, ...] = Field(
        min_length=1, description="date facts or 'clock.<name>', the first one set is used"
    )
    working_days: int | None = Field(default=None, ge=0, le=366)
    months: int | None = Field(default=None, ge=0, le=120)
    direction: Literal["after", "before"] = "after"
    met_by: str | None = Field(default=None, description="date fact that stops the clock")
    if_setting: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.working_days is None) == (self.months is None):
            msg = f"clock {self.clock!r}: give exactly one of working_days or months"
            raise ValueError(msg)
        if self.months is not None and self.direction == "before":
            msg = f"clock {self.clock!r}: months can only run 'after' the anchor"
            raise ValueError(msg)
        for ref in (*self.anchor, *([self.met_by] if self.met_by else [])):
            if not ref.startswith("clock.") and ALL_FACTS.get(ref, None) is None:
                msg = f"clock {self.clock!r}: unknown anchor {ref!r}"
                raise ValueError(msg)
            if not ref.startswith("clock.") and ALL_FACTS[ref].type != "date":
                msg = f"clock {self.clock!r}: anchor {ref!r} is not a date"
                raise ValueError(msg)
        return self


class Rule(BaseModel):
    model_config = _MODEL

    id: str = Field(pattern=_IDENT)
    title: str = Field(min_length=1)
    source: str = Field(min_length=1)
    when: Condition
    outcome: str
    detail: dict[str, str] = Field(default_factory=dict)
    clocks: tuple[ClockSpec, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.outcome not in ALL_OUTCOMES:
            msg = f"rule {self.id!r}: unknown outcome {self.outcome!r}"
            raise ValueError(msg)
        allowed = ALL_OUTCOMES[self.outcome]
        for key, value in self.detail.items():
            if value not in allowed.get(key, ()):
                msg = f"rule {self.id!r}: detail {key}={value!r} not allowed for {self.outcome!r}"
                raise ValueError(msg)
        if set(allowed) != set(self.detail):
            msg = f"rule {self.id!r}: outcome {self.outcome!r} needs detail {sorted(allowed)}"
            raise ValueError(msg)
        return self


class Question(BaseModel):
    """What to record when none of a group of rules applies, and why (their denials)."""

    model_config = _MODEL

    id: str = Field(pattern=_IDENT)
    rules: tuple[str, ...] = Field(min_length=1)
    otherwise: str
    source: str = Field(min_length=1)


class Settings(BaseModel):
    model_config = _MODEL

    rapid_review_anchor: Literal["sin_submitted", "awareness"] = "sin_submitted"


class GoldenCase(BaseModel):
    model_config = _MODEL

    name: str = Field(min_length=1)
    input: dict[str, Any]
    expect: dict[str, Any]


class Pack(BaseModel):
    model_config = _MODEL

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.+-]*$")
    subject: Subject = Field(default="incident", description="what the pack decides about")
    effective_from: date
    effective_to: date | None = None
    settings: Settings = Field(default_factory=Settings)
    tables: Tables = Field(default_factory=Tables, description="configuration read by code")
    rules: tuple[Rule, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = ()
    golden: tuple[GoldenCase, ...] = ()

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def rule(self, rule_id: str) -> Rule:
        return next(rule for rule in self.rules if rule.id == rule_id)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            msg = "effective_to must be after effective_from"
            raise ValueError(msg)
        ids = [rule.id for rule in self.rules] + [question.id for question in self.questions]
        duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicates:
            msg = f"duplicate rule ids: {', '.join(duplicates)}"
            raise ValueError(msg)
        known = {rule.id for rule in self.rules}
        for question in self.questions:
            unknown = sorted(set(question.rules) - known)
            if unknown or question.otherwise not in ALL_OUTCOMES:
                msg = f"question {question.id!r}: unknown rules {unknown} or outcome"
                raise ValueError(msg)
        _check_clock_order(self.rules)
        _check_subject(self)
        check_tables(self.subject, self.tables)
        rule_strata(self)  # raises on a cycle
        return self


def _check_subject(pack: Pack) -> None:
    """Every fact, placeholder and outcome of the pack belongs to its subject's vocabulary."""
    vocabulary = VOCABULARIES[pack.subject]
    for rule in pack.rules:
        for leaf in leaves(rule.when):
            for text in (leaf.says, leaf.denies):
                stray = [m for m in _BRACED.findall(text) if not _PLACEHOLDER.fullmatch(m)]
                if stray:
                    msg = f"rule {rule.id!r}: {stray[0]} in {text!r} is not a fact placeholder"
                    raise ValueError(msg)
        names = [
            name
            for leaf in leaves(rule.when)
            for name in (leaf.fact, *placeholders(leaf.says), *placeholders(leaf.denies))
        ]
        names += [ref for spec in rule.clocks for ref in (*spec.anchor, spec.met_by or "")]
        for name in names:
            if name and not name.startswith("clock.") and not in_vocabulary(name, vocabulary):
                msg = f"rule {rule.id!r}: fact {name!r} is not in the {pack.subject} vocabulary"
                raise ValueError(msg)
        if rule.outcome not in vocabulary.outcomes:
            msg = f"rule {rule.id!r}: outcome {rule.outcome!r} is not a {pack.subject} outcome"
            raise ValueError(msg)
    for question in pack.questions:
        if question.otherwise not in vocabulary.outcomes:
            msg = (
                f"question {question.id!r}: {question.otherwise!r} is not a {pack.subject} outcome"
            )
            raise ValueError(msg)


def _check_clock_order(rules: tuple[Rule, ...]) -> None:
    seen: set[str] = set()
    for rule in rules:
        for spec in rule.clocks:
            for ref in spec.anchor:
                if ref.startswith("clock.") and ref.removeprefix("clock.") not in seen:
                    msg = f"rule {rule.id!r}: anchor {ref!r} must be started by an earlier rule"
                    raise ValueError(msg)
        seen.update(spec.clock for spec in rule.clocks)


def rule_strata(pack: Pack) -> dict[str, int]:
    """Evaluation order: a rule reading ``decided.X`` runs after every rule deciding X."""
    producers: dict[str, list[str]] = {}
    for rule in pack.rules:
        producers.setdefault(rule.outcome, []).append(rule.id)
    strata: dict[str, int] = {}

    def stratum(rule_id: str, path: tuple[str, ...]) -> int:
        if rule_id in path:
            msg = f"rules depend on each other in a cycle: {' -> '.join((*path, rule_id))}"
            raise ValueError(msg)
        if rule_id not in strata:
            reads = [
                leaf.fact.removeprefix(DECIDED_PREFIX)
                for leaf in leaves(pack.rule(rule_id).when)
                if leaf.fact.startswith(DECIDED_PREFIX)
            ]
            deps = [dep for outcome in reads for dep in producers.get(outcome, [])]
            strata[rule_id] = 1 + max((stratum(dep, (*path, rule_id)) for dep in deps), default=-1)
        return strata[rule_id]

    for rule in pack.rules:
        stratum(rule.id, ())
    return strata

"""The condition language: plain-words reading of a condition against a fact snapshot.

The rule engine decides whether a rule fires; this reads the same condition tree to
say which facts made it so (``says``) or which facts stopped it (``denies``). The
evaluator checks both agree on every evaluation, so an explanation can never describe
a decision the engine did not make.
"""

from __future__ import annotations

from sprg_rules.domain.pack import AllOf, Condition, Leaf, placeholders
from sprg_rules.domain.vocabulary import Scalar, fact_spec

Snapshot = dict[str, Scalar]


def holds(leaf: Leaf, facts: Snapshot) -> bool:
    actual = facts[leaf.fact]
    expected = leaf.value
    if leaf.op == "is_set":
        return actual is not None
    if leaf.op == "is_null":
        return actual is None
    if leaf.op in {"in", "not_in"}:
        members = expected if isinstance(expected, tuple) else (expected,)
        return (actual in members) == (leaf.op == "in")
    if leaf.op == "eq":
        return actual == expected
    if leaf.op == "ne":
        return actual != expected
    if not isinstance(actual, int) or not isinstance(expected, int):
        return False
    return {
        "lt": actual < expected,
        "le": actual <= expected,
        "gt": actual > expected,
        "ge": actual >= expected,
    }[leaf.op]


def render(text: str, facts: Snapshot) -> str:
    """Fill ``{fact.path}`` placeholders; enum codes read as words (serious_harm), while
    text facts (what people wrote, names) are quoted as they are."""
    for name in placeholders(text):
        value = facts.get(name)
        spec = fact_spec(name)
        verbatim = spec is not None and spec.type == "text"
        shown = (
            str(value).replace("_", " ") if isinstance(value, str) and not verbatim else str(value)
        )
        text = text.replace("{" + name + "}", shown)
    return text


def explain(condition: Condition, facts: Snapshot) -> tuple[bool, list[str]]:
    """Whether the condition holds, and the plain-words facts that make it so."""
    if isinstance(condition, Leaf):
        result = holds(condition, facts)
        return result, [render(condition.says if result else condition.denies, facts)]
    if isinstance(condition, AllOf):
        parts = [explain(child, facts) for child in condition.all_of]
        result = all(ok for ok, _ in parts)
    else:
        parts = [explain(child, facts) for child in condition.any_of]
        result = any(ok for ok, _ in parts)
    reasons = [reason for ok, texts in parts if ok == result for reason in texts]
    return result, _unique(reasons)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))

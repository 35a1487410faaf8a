"""Compiles packs to durable_rules rulesets and asks the engine which rules fire.

durable_rules 2.0.28 has defects this module makes unreachable by design (issue 3):

- A ruleset holds at most 1,024 session ids (the 1,024th crashes the process): every
  evaluation uses the same single session id, so each ruleset only ever has one.
- ``delete_state`` segfaults when a session holds an unmatched fact: we never assert
  facts and never call ``delete_state``; each snapshot is posted as an *event*, which
  the engine consumes when a rule fires and does not retain otherwise.
- An event is consumed by the first rule it matches, so each event names the one rule
  it is for; one snapshot is posted once per rule.
- A ruleset cannot be replaced or deleted: rulesets are named by pack id, version and
  content hash and compiled once per process; re-activating a pack reuses it.
- ``post_batch`` returns before all actions ran, and the engine's background dispatch
  threads could run actions elsewhere: we only use ``post`` (actions run synchronously
  in the caller) on a host with the background dispatcher switched off.
- The engine is not thread-safe: every call into it holds one process-wide lock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from durable import engine as durable_engine

from sprg_rules.domain.conditions import Snapshot
from sprg_rules.domain.pack import AllOf, Condition, Leaf, Pack

_SESSION_ID = "0"
_COMPARISONS = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A host without the background dispatch threads: actions run only inside ``post``."""

    def _run(self) -> None:
        return


def _field(path: str) -> str:
    return path.replace(".", "__")


def _compile_leaf(leaf: Leaf) -> dict[str, Any]:
    name = _field(leaf.fact)
    value = leaf.value
    members = value if isinstance(value, tuple) else (value,)
    compiled: dict[str, Any]
    if leaf.op == "eq":
        compiled = {name: value}
    elif leaf.op in _COMPARISONS:
        compiled = {_COMPARISONS[leaf.op]: {name: value}}
    elif leaf.op == "in":
        compiled = {"$or": [{name: member} for member in members]}
    elif leaf.op == "not_in":
        compiled = {"$and": [{"$neq": {name: member}} for member in members]}
    elif leaf.op == "is_set":
        compiled = {"$ex": {name: 1}}
    else:
        compiled = {"$nex": {name: 1}}
    return compiled


def compile_condition(condition: Condition) -> dict[str, Any]:
    if isinstance(condition, Leaf):
        return _compile_leaf(condition)
    if isinstance(condition, AllOf):
        return {"$and": [compile_condition(child) for child in condition.all_of]}
    return {"$or": [compile_condition(child) for child in condition.any_of]}


def compile_pack(pack: Pack, on_fire: Callable[[str], None]) -> dict[str, Any]:
    """A durable_rules ruleset definition: one engine rule per pack rule."""
    definition: dict[str, Any] = {}
    for index, rule in enumerate(pack.rules):
        target = {"rule": rule.id}
        definition[f"r{index}"] = {
            "all": [{"m": {"$and": [target, compile_condition(rule.when)]}}],
            "run": _action(rule.id, on_fire),
        }
    return definition


def _action(rule_id: str, on_fire: Callable[[str], None]) -> Callable[[Any], None]:
    def run(_context: Any) -> None:
        on_fire(rule_id)

    return run


def ruleset_name(pack: Pack, content_hash: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{pack.id}_{pack.version}_{content_hash[:16]}")


class RuleEngine:
    """One per process (see ``default_engine``): owns the durable_rules host."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._host: Any = None
        self._compiled: set[str] = set()
        self._fired: list[str] = []

    def compiled_rulesets(self) -> int:
        with self._lock:
            return len(self._compiled)

    def fired(
        self, pack: Pack, content_hash: str, rule_ids: list[str], facts: Snapshot
    ) -> set[str]:
        """Which of ``rule_ids`` fire on this snapshot, according to durable_rules."""
        name = ruleset_name(pack, content_hash)
        event_base = {_field(path): value for path, value in facts.items() if value is not None}
        with self._lock:
            if self._host is None:
                self._host = _QuietHost()
            if name not in self._compiled:
                self._host.register_rulesets({name: compile_pack(pack, self._fired.append)})
                self._compiled.add(name)
            self._fired.clear()
            for rule_id in rule_ids:
                event = {**event_base, "sid": _SESSION_ID, "rule": rule_id}
                try:
                    self._host.post(name, event)
                except durable_engine.MessageNotHandledException:
                    continue
            return set(self._fired)


_DEFAULT = RuleEngine()


def default_engine() -> RuleEngine:
    return _DEFAULT

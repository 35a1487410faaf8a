"""Which rule pack judges a case: the version in force on the case's legally relevant date.

Every activated version is kept (a case from last year is judged by last year's pack).
Among the versions whose effective dates cover the date, the most recently activated
wins; a withdrawal (rollback) takes a version out. Pure and immutable: the rules
service swaps one ``PackSet`` for the next when an activation arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sprg_rules.domain.evaluate import RulePack


class NoPackInForce(LookupError):
    """No active version of the pack covers the date."""


@dataclass(frozen=True)
class Activation:
    rulepack: RulePack
    sequence: int  # order of activation (the topic offset): later wins

    @property
    def version(self) -> str:
        return self.rulepack.pack.version


@dataclass(frozen=True)
class PackSet:
    active: dict[str, tuple[Activation, ...]] = field(default_factory=dict)

    def activate(self, rulepack: RulePack, sequence: int) -> PackSet:
        pack_id = rulepack.pack.id
        others = tuple(
            a for a in self.active.get(pack_id, ()) if a.version != rulepack.pack.version
        )
        return PackSet({**self.active, pack_id: (*others, Activation(rulepack, sequence))})

    def withdraw(self, pack_id: str, version: str) -> PackSet:
        kept = tuple(a for a in self.active.get(pack_id, ()) if a.version != version)
        return PackSet({**self.active, pack_id: kept})

    def versions(self, pack_id: str) -> list[str]:
        """Active versions, most recently activated first."""
        ordered = sorted(self.active.get(pack_id, ()), key=lambda a: -a.sequence)
        return [a.version for a in ordered]

    def latest(self, pack_id: str) -> RulePack:
        candidates = self.active.get(pack_id, ())
        if not candidates:
            raise NoPackInForce(f"no active version of {pack_id}")
        return max(candidates, key=lambda a: a.sequence).rulepack

    def in_force(self, pack_id: str, on: date) -> RulePack:
        covering = [a for a in self.active.get(pack_id, ()) if a.rulepack.pack.in_force_on(on)]
        if not covering:
            raise NoPackInForce(f"no active version of {pack_id} is in force on {on.isoformat()}")
        return max(covering, key=lambda a: a.sequence).rulepack

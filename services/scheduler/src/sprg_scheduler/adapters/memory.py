"""The scheduler's clocks in memory, for the unit tier: ``repository.ClockRepository``'s
insert-once clocks, revision-checked replaces, kept settlements and its queries (same order)."""

from __future__ import annotations

import copy
from datetime import date

from sprg_scheduler.adapters.repository import ClockQuery, Stored
from sprg_scheduler.domain.clocks import ACTIVE, Clock
from sprg_shared.store import Document


def matches(query: ClockQuery, clock: Clock) -> bool:
    """``ClockQuery.to_filter`` read in Python."""
    if query.case_id and clock.case_id != query.case_id:
        return False
    if query.within is not None and not (
        clock.case_id in query.within or (clock.key is not None and clock.key in query.within)
    ):
        return False
    today = query.today or date.min
    active = clock.state in ACTIVE
    match query.state:
        case None:
            return True
        case "open":
            return active
        case "at_risk":
            return (
                active
                and clock.remind_from is not None
                and clock.remind_from <= today
                and clock.due >= today
            )
        case "overdue":
            return clock.state == "breached" or (active and clock.due < today)
        case other:
            return bool(clock.state == other)


class MemoryClocks:
    def __init__(self) -> None:
        self.clocks: dict[str, Stored] = {}
        self.settlements: dict[str, Document] = {}
        self.planless: set[str] = set()  # clocks stored before the firing plan existed

    async def ensure_indexes(self) -> None:
        """Nothing to index."""

    async def add(self, clock: Clock) -> bool:
        if clock.clock_id in self.clocks:
            return False
        self.clocks[clock.clock_id] = Stored(clock, 0)
        return True

    async def get(self, clock_id: str) -> Stored | None:
        return self.clocks.get(clock_id)

    async def settle_later(self, clock_id: str, settlement: Document) -> None:
        self.settlements.setdefault(clock_id, {"_id": clock_id, **copy.deepcopy(settlement)})

    async def settlement(self, clock_id: str) -> Document | None:
        found = self.settlements.get(clock_id)
        return None if found is None else copy.deepcopy(found)

    def _sorted(self) -> list[Stored]:
        return [self.clocks[k] for k in sorted(self.clocks)]

    async def for_case(self, case_id: str) -> list[Stored]:
        return [s for s in self._sorted() if s.clock.case_id == case_id]

    async def replace(self, clock: Clock, rev: int) -> bool:
        stored = self.clocks.get(clock.clock_id)
        if stored is None or stored.rev != rev:
            return False
        self.clocks[clock.clock_id] = Stored(clock, rev + 1)
        self.planless.discard(clock.clock_id)
        return True

    async def find(self, query: ClockQuery, *, limit: int, offset: int = 0) -> list[Clock]:
        found = [s.clock for s in self._sorted() if matches(query, s.clock)]
        found.sort(key=lambda c: c.due)  # stable: by due, then id
        return found[offset : offset + limit]

    async def running(self, due_from: date, any_due_kinds: list[str]) -> list[Clock]:
        return [
            s.clock
            for s in self._sorted()
            if s.clock.state in ACTIVE
            and (s.clock.due >= due_from or s.clock.kind in any_due_kinds)
        ]

    async def for_kinds(self, kinds: list[str]) -> list[Stored]:
        return [s for s in self._sorted() if s.clock.kind in kinds]

    async def kinds(self) -> list[str]:
        return sorted({str(s.clock.kind) for s in self.clocks.values()})

    async def missing_plan(self, limit: int) -> list[Stored]:
        return [self.clocks[k] for k in sorted(self.planless) if k in self.clocks][:limit]

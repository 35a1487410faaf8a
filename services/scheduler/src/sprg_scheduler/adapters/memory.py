"""The scheduler's clocks in memory, for the unit tier: ``repository.ClockRepository``'s
insert-once clocks, revision-checked replaces, kept settlements and its queries (same order),
and ``claims.FiringClaims``' leases (``MemoryClaims``, one per replica, on one
``MemoryClocks``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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


def in_view(clock: Clock, view: str, today: date, now: datetime) -> bool:
    """``repository.view_filter`` read in Python."""
    if view == "at_risk_unreminded":
        return (
            matches(ClockQuery(state="at_risk", today=today), clock)
            and clock.state == "open"
            and clock.next_fire_at is not None
            and clock.next_fire_at < now
        )
    return matches(ClockQuery(state=view, today=today), clock)


@dataclass(frozen=True)
class Lease:
    owner: str
    until: datetime


class MemoryClocks:
    def __init__(self) -> None:
        self.clocks: dict[str, Stored] = {}
        self.settlements: dict[str, Document] = {}
        self.planless: set[str] = set()  # clocks stored before the firing plan existed
        self.leases: dict[str, Lease] = {}  # the firing loop's, as on the clock document

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

    async def running(self, changed_from: date) -> list[Clock]:
        return [
            s.clock
            for s in self._sorted()
            if s.clock.state in ACTIVE
            and (s.clock.due >= changed_from or s.clock.anchor_date >= changed_from)
        ]

    async def for_kinds(self, kinds: list[str]) -> list[Stored]:
        return [s for s in self._sorted() if s.clock.kind in kinds]

    async def kinds(self) -> list[str]:
        return sorted({str(s.clock.kind) for s in self.clocks.values()})

    async def missing_plan(self, limit: int) -> list[Stored]:
        return [self.clocks[k] for k in sorted(self.planless) if k in self.clocks][:limit]

    async def count_in_state(self, kind: str, state: str) -> int:
        return sum(
            1 for s in self.clocks.values() if s.clock.kind == kind and s.clock.state == state
        )

    async def count_in_view(self, kind: str, view: str, today: date, now: datetime) -> int:
        return sum(
            1
            for s in self.clocks.values()
            if s.clock.kind == kind and in_view(s.clock, view, today, now)
        )

    def held_by(self, clock_id: str, owner: str, now: datetime | None = None) -> bool:
        lease = self.leases.get(clock_id)
        return lease is not None and lease.owner == owner and (now is None or lease.until > now)


class MemoryClaims:
    """One replica's claims on a ``MemoryClocks``: ``claims.FiringClaims`` in memory."""

    def __init__(self, clocks: MemoryClocks, owner: str, lease: timedelta) -> None:
        self._clocks = clocks
        self._owner = owner
        self._lease = lease

    @property
    def owner(self) -> str:
        return self._owner

    async def ensure_indexes(self) -> None:
        """Nothing to index."""

    def _unheld(self, stored: Stored, now: datetime) -> bool:
        due = stored.clock.next_fire_at
        lease = self._clocks.leases.get(stored.clock.clock_id)
        return due is not None and due <= now and (lease is None or lease.until <= now)

    @staticmethod
    def _oldest_first(stored: Stored) -> tuple[datetime, str]:
        return (stored.clock.next_fire_at or datetime.min, stored.clock.clock_id)

    async def due_clocks(self, now: datetime, limit: int) -> list[Stored]:
        due = [s for s in self._clocks.clocks.values() if self._unheld(s, now)]
        return sorted(due, key=self._oldest_first)[:limit]

    async def claim_many(self, candidates: list[Stored], now: datetime) -> list[Stored]:
        ids = {s.clock.clock_id for s in candidates}
        for clock_id in ids:
            stored = self._clocks.clocks.get(clock_id)
            if stored is not None and self._unheld(stored, now):
                self._clocks.leases[clock_id] = Lease(self._owner, now + self._lease)
        held = [
            self._clocks.clocks[i]
            for i in ids
            if i in self._clocks.clocks and self._clocks.held_by(i, self._owner, now)
        ]
        return sorted(held, key=self._oldest_first)

    async def complete_many(self, changes: list[tuple[Clock, Stored]]) -> list[str]:
        done: list[str] = []
        for clock, held in changes:
            clock_id = held.clock.clock_id
            stored = self._clocks.clocks.get(clock_id)
            if not self._clocks.held_by(clock_id, self._owner):
                continue
            del self._clocks.leases[clock_id]
            if stored is not None and stored.rev == held.rev:
                self._clocks.clocks[clock_id] = Stored(clock, held.rev + 1)
                self._clocks.planless.discard(clock_id)
                done.append(clock_id)
        return done

    async def release(self, held: Stored) -> None:
        if self._clocks.held_by(held.clock.clock_id, self._owner):
            del self._clocks.leases[held.clock.clock_id]

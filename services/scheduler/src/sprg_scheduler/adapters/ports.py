"""What the scheduler's handlers and firing loop need from the store.

- ``ClockStore``: its clocks (the clock handlers, the firing loop's backfill, the gauges'
  counts);
- ``ClaimStore``: the firing loop's leases on due clocks, shared by every replica
  (``adapters/claims.py`` says why a lease on the clock document).

Real adapters: ``repository.ClockRepository`` and ``claims.FiringClaims`` (the store); in
memory: ``memory.MemoryClocks`` and ``memory.MemoryClaims`` (the unit tier). tests/contracts/
holds both to one behaviour, on the store in the integration tier.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Protocol

from sprg_scheduler.adapters.repository import ClockQuery, Stored
from sprg_scheduler.domain.clocks import Clock
from sprg_shared.store import Document

View = Literal["open", "at_risk", "at_risk_unreminded", "overdue"]
"""What a clock means today (``GET /v1/clocks?state=``; ``at_risk_unreminded``: inside the
reminder window, still ``open``, its planned reminder instant passed: the loop is behind)."""


class ClockStore(Protocol):
    async def ensure_indexes(self) -> None: ...

    async def add(self, clock: Clock) -> bool: ...

    async def get(self, clock_id: str) -> Stored | None: ...

    async def settle_later(self, clock_id: str, settlement: Document) -> None: ...

    async def settlement(self, clock_id: str) -> Document | None: ...

    async def for_case(self, case_id: str) -> list[Stored]: ...

    async def replace(self, clock: Clock, rev: int) -> bool: ...

    async def find(self, query: ClockQuery, *, limit: int, offset: int = 0) -> list[Clock]: ...

    async def running(self, changed_from: date) -> list[Clock]:
        """Running clocks a closure day on or after ``changed_from`` may move: due on or after
        it, or anchored on or after it (those counted backwards from their anchor)."""
        ...

    async def for_kinds(self, kinds: list[str]) -> list[Stored]: ...

    async def kinds(self) -> list[str]: ...

    async def missing_plan(self, limit: int) -> list[Stored]: ...

    async def count_in_state(self, kind: str, state: str) -> int:
        """How many clocks of ``kind`` are stored in ``state``."""
        ...

    async def count_in_view(self, kind: str, view: View, today: date, now: datetime) -> int:
        """How many clocks of ``kind`` mean ``view`` on ``today`` (local) at ``now``."""
        ...


class ClaimStore(Protocol):
    """One replica's leases on due clocks: each due clock is held by one replica at a time,
    stored advanced only while still held at the revision read."""

    @property
    def owner(self) -> str: ...

    async def ensure_indexes(self) -> None: ...

    async def due_clocks(self, now: datetime, limit: int) -> list[Stored]:
        """Clocks with a transition due that no live lease holds, oldest first."""
        ...

    async def claim_many(self, candidates: list[Stored], now: datetime) -> list[Stored]:
        """The candidates this replica now holds, as they stand."""
        ...

    async def complete_many(self, changes: list[tuple[Clock, Stored]]) -> list[str]:
        """Store the advanced clocks still held at the revision read and free them; the ids
        stored. The others changed meanwhile: their leases are dropped."""
        ...

    async def release(self, held: Stored) -> None:
        """Give the claim up: the next tick claims it again."""
        ...

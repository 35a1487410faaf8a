"""What the scheduler's clock handlers need from the store: its clocks.

Real adapter: ``repository.ClockRepository`` (the store; the firing loop's claims and the
gauges also query its collection directly, so they stay on the store); in memory:
``memory.MemoryClocks`` (the unit tier). tests/contracts/ holds both to one behaviour.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from sprg_scheduler.adapters.repository import ClockQuery, Stored
from sprg_scheduler.domain.clocks import Clock
from sprg_shared.store import Document


class ClockStore(Protocol):
    async def ensure_indexes(self) -> None: ...

    async def add(self, clock: Clock) -> bool: ...

    async def get(self, clock_id: str) -> Stored | None: ...

    async def settle_later(self, clock_id: str, settlement: Document) -> None: ...

    async def settlement(self, clock_id: str) -> Document | None: ...

    async def for_case(self, case_id: str) -> list[Stored]: ...

    async def replace(self, clock: Clock, rev: int) -> bool: ...

    async def find(self, query: ClockQuery, *, limit: int, offset: int = 0) -> list[Clock]: ...

    async def running(self, due_from: date, any_due_kinds: list[str]) -> list[Clock]: ...

    async def for_kinds(self, kinds: list[str]) -> list[Stored]: ...

    async def kinds(self) -> list[str]: ...

    async def missing_plan(self, limit: int) -> list[Stored]: ...

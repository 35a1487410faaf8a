"""The clock store."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sprg_scheduler.domain.clocks import Clock
from sprg_shared.store import Document


class ClockRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._clocks = db["clocks"]

    async def ensure_indexes(self) -> None:
        await self._clocks.create_index([("case_id", ASCENDING)])
        await self._clocks.create_index([("state", ASCENDING), ("due", ASCENDING)])

    async def add(self, clock: Clock) -> bool:
        """Store a new clock; False when it was started already."""
        doc = clock.model_dump(mode="json")
        doc["_id"] = doc.pop("clock_id")
        doc["started_at"] = clock.started_at
        try:
            await self._clocks.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def find(self, *, case_id: str | None, state: str | None, limit: int) -> list[Clock]:
        query: Document = {}
        if case_id:
            query["case_id"] = case_id
        if state:
            query["state"] = state
        cursor = (
            self._clocks.find(query).sort([("due", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        )
        return [Clock.model_validate({**doc, "clock_id": doc["_id"]}) async for doc in cursor]

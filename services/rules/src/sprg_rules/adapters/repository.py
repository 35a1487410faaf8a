"""Decisions, stored with their explanation and queryable by case."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.events import CaseAssessed
from sprg_shared.store import Document


class DecisionRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._decisions = db["decisions"]

    async def ensure_indexes(self) -> None:
        await self._decisions.create_index([("case_id", ASCENDING), ("decided_at", ASCENDING)])

    async def save(self, decision_id: str, assessed: CaseAssessed, at: datetime) -> None:
        """Idempotent: the same facts under the same pack give the same id and the same record."""
        doc = assessed.model_dump(mode="json")
        doc["decided_at"] = at
        await self._decisions.update_one({"_id": decision_id}, {"$setOnInsert": doc}, upsert=True)

    async def for_case(self, case_id: str) -> list[Document]:
        cursor = self._decisions.find({"case_id": case_id}).sort("decided_at", ASCENDING)
        return [doc async for doc in cursor]

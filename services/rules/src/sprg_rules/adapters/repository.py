"""Decisions, stored with their explanation and queryable by case."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.contracts.decisions import CaseAssessed
from sprg_shared.store import Document


class DecisionRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._decisions = db["decisions"]

    async def ensure_indexes(self) -> None:
        await self._decisions.create_index([("case_id", ASCENDING), ("decided_at", ASCENDING)])
        await self._decisions.create_index([("decided_at", ASCENDING)])

    async def save(
        self, decision_id: str, assessed: CaseAssessed, facts: Document, at: datetime
    ) -> None:
        """Idempotent: the same facts under the same pack give the same id and the same record.

        The derived facts (no personal data) are kept so a candidate pack can be tried
        against every case decided so far (``diff``).
        """
        doc = assessed.model_dump(mode="json")
        doc["facts"] = facts
        doc["decided_at"] = at
        await self._decisions.update_one({"_id": decision_id}, {"$setOnInsert": doc}, upsert=True)

    async def facts_of(self, case_id: str) -> Document | None:
        """The facts the case was last decided on."""
        cursor = self._decisions.find({"case_id": case_id}, {"facts": 1}).sort("decided_at", -1)
        async for doc in cursor.limit(1):
            return dict(doc["facts"])
        return None

    async def reference_of(self, case_id: str) -> str | None:
        """The reference people were given for the case (carried since its report)."""
        query = {"case_id": case_id, "reference": {"$type": "string"}}
        cursor = self._decisions.find(query, {"reference": 1}).sort("decided_at", -1)
        async for doc in cursor.limit(1):
            return str(doc["reference"])
        return None

    async def for_case(self, case_id: str) -> list[Document]:
        cursor = self._decisions.find({"case_id": case_id}).sort("decided_at", ASCENDING)
        return [doc async for doc in cursor]

    async def latest_facts(self, limit: int) -> dict[str, Document]:
        """The most recent facts of each case decided so far (at most ``limit`` cases)."""
        latest: dict[str, Document] = {}
        cursor = self._decisions.find({}, {"case_id": 1, "facts": 1}).sort("decided_at", -1)
        async for doc in cursor:
            if doc["case_id"] not in latest and "facts" in doc:
                latest[doc["case_id"]] = doc["facts"]
                if len(latest) >= limit:
                    break
        return latest

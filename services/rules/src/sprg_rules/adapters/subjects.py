"""The facts of each matter beyond an incident, as they accumulate, and its decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.contracts.decisions import SubjectDecided
from sprg_shared.store import Document


class SubjectRepository:
    """One document per matter (``kind:subject_id``) holding the parts recorded so far.

    Parts are set whole (``$set`` of ``parts.<name>``): applying the same event twice
    leaves the same document.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._subjects = db["subjects"]
        self._decisions = db["subject_decisions"]

    async def ensure_indexes(self) -> None:
        await self._decisions.create_index([("subject_id", ASCENDING), ("decided_at", ASCENDING)])
        await self._decisions.create_index([("case_id", ASCENDING), ("decided_at", ASCENDING)])
        await self._decisions.create_index([("kind", ASCENDING), ("decided_at", ASCENDING)])

    async def record(
        self, kind: str, subject_id: str, part: str, facts: dict[str, Any]
    ) -> dict[str, Any]:
        """Store one part of a matter's facts; returns every part recorded so far."""
        key = f"{kind}:{subject_id}"
        await self._subjects.update_one(
            {"_id": key},
            {"$set": {f"parts.{part}": facts, "kind": kind, "subject_id": subject_id}},
            upsert=True,
        )
        doc = await self._subjects.find_one({"_id": key})
        return dict(doc["parts"]) if doc else {part: facts}

    async def labels(
        self,
        kind: str,
        subject_id: str,
        reference: str | None,
        about: dict[str, Any] | None,
    ) -> tuple[str | None, dict[str, Any]]:
        """Keep how people know the matter (its reference, what they need to act), given
        by the facts that carry it; the matter's later facts reuse what was kept."""
        key = f"{kind}:{subject_id}"
        update: dict[str, Any] = {}
        if reference is not None:
            update["reference"] = reference
        for name, value in (about or {}).items():
            update[f"about.{name}"] = value
        if update:
            await self._subjects.update_one({"_id": key}, {"$set": update}, upsert=True)
        doc = await self._subjects.find_one({"_id": key}) or {}
        return doc.get("reference"), dict(doc.get("about") or {})

    async def save(
        self, decision_id: str, decided: SubjectDecided, facts: dict[str, Any], at: datetime
    ) -> None:
        doc = decided.model_dump(mode="json")
        doc["facts"] = facts
        doc["decided_at"] = at
        await self._decisions.update_one({"_id": decision_id}, {"$setOnInsert": doc}, upsert=True)

    async def for_subject(self, subject_id: str) -> list[Document]:
        query = {"$or": [{"subject_id": subject_id}, {"case_id": subject_id}]}
        cursor = self._decisions.find(query).sort("decided_at", ASCENDING)
        return [doc async for doc in cursor]

    async def latest_facts(self, kind: str, limit: int) -> dict[str, dict[str, Any]]:
        """The facts each matter of ``kind`` was last decided on (at most ``limit``)."""
        latest: dict[str, dict[str, Any]] = {}
        cursor = self._decisions.find({"kind": kind}, {"subject_id": 1, "facts": 1})
        async for doc in cursor.sort("decided_at", -1):
            if doc["subject_id"] not in latest:
                latest[doc["subject_id"]] = dict(doc["facts"])
                if len(latest) >= limit:
                    break
        return latest

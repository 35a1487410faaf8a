"""Directory and delivery log."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sprg_notifier.domain.directory import Person
from sprg_shared.store import Document


class NotifierRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._people = db["people"]
        self._deliveries = db["deliveries"]

    async def ensure_indexes(self) -> None:
        await self._people.create_index([("roles", ASCENDING)])
        await self._deliveries.create_index([("case_id", ASCENDING)])

    async def put_person(self, person: Person) -> None:
        doc = person.model_dump(mode="json")
        doc["roles"] = sorted(person.roles)
        doc["_id"] = doc.pop("person_id")
        await self._people.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    async def people(self, role: str | None = None) -> list[Person]:
        query: Document = {"roles": role} if role else {}
        cursor = self._people.find(query).sort("_id", ASCENDING)
        return [_person(doc) async for doc in cursor]

    async def record_intent(self, delivery: Document) -> Document:
        """Record the delivery before sending; returns the stored record (maybe an earlier one)."""
        try:
            await self._deliveries.insert_one(delivery)
        except DuplicateKeyError:
            existing = await self._deliveries.find_one({"_id": delivery["_id"]})
            if existing is not None:
                return existing
            raise
        return delivery

    async def mark(
        self, delivery_id: str, status: str, at: datetime, attempts: int, error: str | None
    ) -> None:
        await self._deliveries.update_one(
            {"_id": delivery_id},
            {"$set": {"status": status, "updated_at": at, "attempts": attempts, "error": error}},
        )

    async def deliveries(self, case_id: str | None, limit: int) -> list[Document]:
        query: Document = {"case_id": case_id} if case_id else {}
        cursor = self._deliveries.find(query).sort("created_at", ASCENDING).limit(limit)
        return [d async for d in cursor]


def _person(doc: Document) -> Person:
    fields = {k: v for k, v in doc.items() if k != "_id"}
    return Person.model_validate({**fields, "person_id": doc["_id"]})

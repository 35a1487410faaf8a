"""Uploaded rule packs (write-once per version) and the audit of who activated what."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sprg_shared.store import Document


class VersionConflict(Exception):
    """That pack version was uploaded before with different content: versions never change."""


class PackStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._packs = db["rulepacks"]
        self._audit = db["rulepack_activations"]

    async def ensure_indexes(self) -> None:
        await self._packs.create_index([("pack_id", ASCENDING), ("uploaded_at", ASCENDING)])
        await self._audit.create_index([("pack_id", ASCENDING), ("at", ASCENDING)])

    async def add(self, doc: Document) -> bool:
        """Store a new version; False when the same content was stored before."""
        try:
            await self._packs.insert_one(doc)
        except DuplicateKeyError:
            existing = await self._packs.find_one({"_id": doc["_id"]}, {"hash": 1})
            if existing is None or existing["hash"] != doc["hash"]:
                raise VersionConflict(doc["_id"]) from None
            return False
        return True

    async def get(self, pack_id: str, version: str) -> Document | None:
        return await self._packs.find_one({"_id": f"{pack_id}@{version}"})

    async def all(self) -> list[Document]:
        cursor = self._packs.find({}, {"text": 0}).sort("uploaded_at", ASCENDING)
        return [doc async for doc in cursor]

    async def record(self, entry: Document) -> None:
        await self._audit.insert_one(entry)

    async def history(self, pack_id: str, limit: int = 100) -> list[Document]:
        cursor = self._audit.find({"pack_id": pack_id}).sort("at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]


def pack_document(
    pack_id: str, version: str, digest: str, text: str, by: str, at: datetime
) -> Document:
    return {
        "_id": f"{pack_id}@{version}",
        "pack_id": pack_id,
        "version": version,
        "hash": digest,
        "text": text,
        "uploaded_by": by,
        "uploaded_at": at,
    }

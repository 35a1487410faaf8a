"""Store plumbing on PyMongo's async client.

Only what MongoDB and FerretDB v2 (PostgreSQL with DocumentDB) both support: one
document per atomic change, no multi-document transactions, no change streams
(tests/integration/test_store_contract.py checks what the services rely on).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

__all__ = ["AppliedLedger", "Document", "make_client", "ping", "update_each"]

Document = dict[str, Any]
_DUPLICATE_KEY = 11000


def make_client(url: str, *, app_name: str) -> AsyncMongoClient[Document]:
    """A client that does not connect until first used (nothing connects at import or build)."""
    return AsyncMongoClient(
        url,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=5_000,
        connectTimeoutMS=5_000,
        uuidRepresentation="standard",
    )


async def ping(db: AsyncDatabase[Document]) -> bool:
    try:
        await db.command("ping")
    except PyMongoError:
        return False
    return True


async def update_each(
    collection: AsyncCollection[Document],
    ids: Sequence[object],
    update: Document,
    condition: Document | None = None,
) -> int:
    """Apply ``update`` to each document of ``ids`` that also matches ``condition``, in one
    round trip; how many matched.

    One ``UpdateOne`` by ``_id`` per document, not one ``update_many`` with ``_id: {$in}``:
    DocumentDB (FerretDB v2) serves a multi-document update's ``_id: {$in: [...]}`` (or
    an ``$or`` of ids) with a scan of the whole collection, not the primary key, where a
    find with the same filter uses the key. Measured on 1,000,000 clocks: 0.39-0.52 s for
    an ``update_many`` of 3 to 500 ids, 0.08 s for 500 ``UpdateOne`` in one bulk write.
    """
    if not ids:
        return 0
    extra = condition or {}
    result = await collection.bulk_write(
        [UpdateOne({**extra, "_id": i}, update) for i in ids], ordered=False
    )
    return int(result.matched_count)


class AppliedLedger:
    """Which events a consumer group has already applied, so a redelivery changes nothing.

    Handlers make their own effects idempotent (upserts keyed by deterministic ids);
    the ledger lets a redelivered event skip the work altogether.
    """

    def __init__(self, db: AsyncDatabase[Document], group: str) -> None:
        self._col = db["applied_events"]
        self._dead = db["dead_lettered"]  # records dead-lettered, so a redelivery sends none
        self._group = group

    def _key(self, event_id: str) -> str:
        return f"{self._group}:{event_id}"

    async def seen(self, event_id: str) -> bool:
        return await self._col.find_one({"_id": self._key(event_id)}, {"_id": 1}) is not None

    async def seen_among(self, event_ids: list[str]) -> set[str]:
        """Which of ``event_ids`` were applied (one query for a poll's events)."""
        if not event_ids:
            return set()
        prefix = len(self._group) + 1
        cursor = self._col.find({"_id": {"$in": [self._key(i) for i in event_ids]}}, {"_id": 1})
        return {str(doc["_id"])[prefix:] async for doc in cursor}

    async def mark_many(self, applied: dict[str, str]) -> None:
        """Mark a poll's events applied (event id to type) in one write; those already
        marked (a redelivery, another member) are left as they are."""
        docs = [{"_id": self._key(i), "type": t} for i, t in applied.items()]
        try:
            await self._col.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            if any(e.get("code") != _DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise

    async def dead_lettered(self, where: str) -> bool:
        """Whether this group already dead-lettered the record at ``where`` (its topic,
        partition, offset and event id): a redelivery then needs no second dead letter."""
        found = await self._dead.find_one({"_id": f"{self._group}:{where}"}, {"_id": 1})
        return found is not None

    async def mark_dead_lettered(self, where: str) -> None:
        try:
            await self._dead.insert_one({"_id": f"{self._group}:{where}"})
        except DuplicateKeyError:
            return

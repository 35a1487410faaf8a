"""Sessions in the store (FerretDB or MongoDB): one document per session, so every replica
of the console, and the console after a restart, finds the same ones.

``{_id: sha256(session id), expires_at, sealed}``; a TTL index on ``expires_at`` lets the
store remove ended sessions by itself, and ``get`` never returns one that has ended even
before the store gets round to it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from sprg_console.adapters.ports import KnownPerson, SessionRecord

COLLECTION = "console_sessions"
PEOPLE = "console_people"
log = logging.getLogger(__name__)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class StoredSessions:
    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self._col = db[COLLECTION]

    async def ensure_indexes(self) -> None:
        try:
            await self._col.create_index("expires_at", expireAfterSeconds=0)
        except OperationFailure as exc:  # a store without TTL indexes: purge_expired does it
            log.warning("no TTL index on sessions", extra={"error": str(exc)})
            await self._col.create_index("expires_at")

    async def put(self, record: SessionRecord) -> None:
        await self._col.replace_one(
            {"_id": record.key},
            {"_id": record.key, "expires_at": record.expires_at, "sealed": record.sealed},
            upsert=True,
        )

    async def get(self, key: str, now: datetime) -> SessionRecord | None:
        doc = await self._col.find_one({"_id": key})
        if doc is None:
            return None
        expires_at = _aware(doc["expires_at"])
        if expires_at <= now:
            await self._col.delete_one({"_id": key, "expires_at": doc["expires_at"]})
            return None
        return SessionRecord(key=key, expires_at=expires_at, sealed=dict(doc["sealed"]))

    async def delete(self, key: str) -> None:
        await self._col.delete_one({"_id": key})

    async def purge_expired(self, now: datetime) -> int:
        result = await self._col.delete_many({"expires_at": {"$lte": now}})
        return int(result.deleted_count)


class StoredPeople:
    """``{_id: subject, name, name_folded, agency, seen_at}``: the people who signed in here,
    by the provider's claims (staff names, as the notifier's directory holds them)."""

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self._col = db[PEOPLE]

    async def ensure_indexes(self) -> None:
        await self._col.create_index("name_folded")

    async def remember(self, person: KnownPerson, at: datetime) -> None:
        await self._col.replace_one(
            {"_id": person.subject},
            {
                "_id": person.subject,
                "name": person.name,
                "name_folded": person.name.casefold(),
                "agency": person.agency,
                "seen_at": at,
            },
            upsert=True,
        )

    async def named(self, subjects: list[str]) -> dict[str, KnownPerson]:
        if not subjects:
            return {}
        cursor = self._col.find({"_id": {"$in": sorted(set(subjects))}})
        return {d["_id"]: _person(d) async for d in cursor}

    async def called(self, name: str) -> list[KnownPerson]:
        cursor = self._col.find({"name_folded": name.strip().casefold()}).sort("_id", 1)
        return [_person(d) async for d in cursor]


def _person(doc: dict[str, Any]) -> KnownPerson:
    return KnownPerson(subject=str(doc["_id"]), name=str(doc["name"]), agency=str(doc["agency"]))

"""Closure days and calendar versions in the scheduler's store.

Only unique-key inserts decide anything (no transaction needed): a closure day is a
document keyed by its date, so it is added once; a version is a document keyed by its
number, so two administrators confirming at once cannot both create version N.
Everything else is an idempotent ``$set``. Dates are ISO strings (they sort).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sprg_shared.calendar import WorkingDayCalendar, version_name
from sprg_shared.contracts.calendar import Closure
from sprg_shared.store import Document, update_each

PENDING = 0
"""``in_version`` of a closure day no confirmed version holds yet (version 0 has none)."""


@dataclass(frozen=True)
class CalendarVersion:
    number: int
    closures: tuple[Closure, ...]
    confirmed_by: str
    confirmed_at: datetime
    applied: bool
    moved: int

    @property
    def name(self) -> str:
        return version_name(self.number)

    def calendar(self) -> WorkingDayCalendar:
        return WorkingDayCalendar.numbered(self.number, frozenset(c.date for c in self.closures))


def _closure(doc: Document) -> Closure:
    return Closure(date=date.fromisoformat(str(doc["_id"])), reason=str(doc["reason"]))


def _version(doc: Document) -> CalendarVersion:
    return CalendarVersion(
        number=int(doc["_id"]),
        closures=tuple(Closure.model_validate(c) for c in doc["closures"]),
        confirmed_by=str(doc["confirmed_by"]),
        confirmed_at=doc["confirmed_at"],
        applied=bool(doc.get("applied", False)),
        moved=int(doc.get("moved", 0)),
    )


class CalendarStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._closures: AsyncCollection[Document] = db["calendar_closures"]
        self._versions: AsyncCollection[Document] = db["calendar_versions"]

    async def add_closure(self, closure: Closure, by: str, now: datetime) -> bool:
        """Record a pending closure day; False when that day is already closed or pending."""
        try:
            await self._closures.insert_one(
                {
                    "_id": closure.date.isoformat(),
                    "reason": closure.reason,
                    "added_by": by,
                    "added_at": now,
                    "in_version": PENDING,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def pending(self) -> list[Closure]:
        cursor = self._closures.find({"in_version": PENDING}).sort("_id")
        return [_closure(doc) async for doc in cursor]

    async def all_closures(self) -> list[tuple[Closure, int]]:
        """Every closure day and the version that holds it (0: pending)."""
        cursor = self._closures.find({}).sort("_id")
        return [(_closure(doc), int(doc["in_version"])) async for doc in cursor]

    async def latest(self) -> CalendarVersion | None:
        doc = await self._versions.find_one({}, sort=[("_id", DESCENDING)])
        return None if doc is None else _version(doc)

    async def versions(self) -> list[CalendarVersion]:
        return [_version(doc) async for doc in self._versions.find({}).sort("_id")]

    async def create_version(
        self, number: int, closures: tuple[Closure, ...], by: str, now: datetime
    ) -> bool:
        """Version ``number``; False when someone else created it first."""
        try:
            await self._versions.insert_one(
                {
                    "_id": number,
                    "closures": [c.model_dump(mode="json") for c in closures],
                    "confirmed_by": by,
                    "confirmed_at": now,
                    "applied": False,
                    "moved": 0,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def include(self, days: list[date], number: int) -> None:
        ids = [d.isoformat() for d in days]
        await update_each(self._closures, ids, {"$set": {"in_version": number}})

    async def mark_applied(self, number: int, moved: int) -> None:
        await self._versions.update_one(
            {"_id": number}, {"$set": {"applied": True, "moved": moved}}
        )

"""The duty schedule's versions: each edit is a new document keyed by its number (a unique
insert, so two edits at once cannot both become version N); the latest is in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sprg_scheduler.domain.duties import DutySchedule
from sprg_shared.store import Document


@dataclass(frozen=True)
class StoredSchedule:
    number: int
    schedule: DutySchedule
    by: str
    at: datetime


class DutyScheduleStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._schedules: AsyncCollection[Document] = db["duty_schedules"]

    async def latest(self) -> StoredSchedule | None:
        doc = await self._schedules.find_one({}, sort=[("_id", DESCENDING)])
        if doc is None:
            return None
        return StoredSchedule(
            number=int(doc["_id"]),
            schedule=DutySchedule.model_validate(doc["schedule"]),
            by=str(doc["by"]),
            at=doc["at"],
        )

    async def save(self, number: int, schedule: DutySchedule, by: str, now: datetime) -> bool:
        """Version ``number`` of the schedule; False when someone saved that number first."""
        try:
            await self._schedules.insert_one(
                {"_id": number, "schedule": schedule.model_dump(mode="json"), "by": by, "at": now}
            )
        except DuplicateKeyError:
            return False
        return True

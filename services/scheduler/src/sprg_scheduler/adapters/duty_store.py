"""The duty schedule's versions: each edit is a new document keyed by its number (a unique
insert, so two edits at once cannot both become version N); the latest is in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
        self._recorded: AsyncCollection[Document] = db["meetings_recorded"]

    async def note_meeting(self, meeting_id: str, on: date, chair: str, by: str) -> bool:
        """A meeting intake recorded (``sprg.meeting.scheduled.v1``); False if known already."""
        result = await self._recorded.update_one(
            {"_id": meeting_id},
            {"$setOnInsert": {"date": on.isoformat(), "chair": chair, "by": by}},
            upsert=True,
        )
        return result.upserted_id is not None

    async def recorded_meetings(self) -> list[Document]:
        return [doc async for doc in self._recorded.find({}).sort("date", 1)]

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

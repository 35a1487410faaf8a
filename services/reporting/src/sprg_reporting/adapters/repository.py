"""Read models, kept up to date as events arrive (no aggregation on read beyond counting)."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.store import Document


class ReadModels:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._cases = db["case_view"]

    async def ensure_indexes(self) -> None:
        await self._cases.create_index([("type", ASCENDING)])
        await self._cases.create_index([("panel_notification_required", ASCENDING)])

    async def set_case_fields(self, case_id: str, fields: Document) -> None:
        await self._cases.update_one({"_id": case_id}, {"$set": fields}, upsert=True)

    async def case(self, case_id: str) -> Document | None:
        return await self._cases.find_one({"_id": case_id})

    async def summary(self) -> dict[str, int]:
        count = self._cases.count_documents
        return {
            "cases_reported": await count({"type": "incident"}),
            "panel_notifications_required": await count({"panel_notification_required": True}),
            "rapid_reviews_required": await count({"rapid_review_required": True}),
            "sin_clocks_open": await count({"clocks.sin_notification.state": "open"}),
            "sin_clocks_breached": await count({"clocks.sin_notification.state": "breached"}),
            "sin_met_in_time": await count({"sin_notification_status": "met"}),
            "sin_met_late": await count({"sin_notification_status": "late"}),
        }

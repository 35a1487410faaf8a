"""Read models, kept up to date as events arrive with ``$set`` and ``$addToSet`` upserts.

Only what FerretDB v1 supports: no aggregation; reports read the documents and the
domain computes from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from sprg_reporting.domain.facts import COLLECTIONS, Change
from sprg_reporting.domain.report import Snapshot
from sprg_shared.store import Document

LEGACY_CASE_VIEW = "case_view"
REPORTS = "reports"
LEDGER = "applied_events"
# Dropped by a rebuild: everything folded from events (not the produced reports' log).
READ_MODELS = (*COLLECTIONS, LEGACY_CASE_VIEW)


class ReadModels:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db
        self._cases = db[LEGACY_CASE_VIEW]
        self._reports = db[REPORTS]

    async def ensure_indexes(self) -> None:
        await self._cases.create_index([("type", ASCENDING)])
        await self._cases.create_index([("panel_notification_required", ASCENDING)])
        await self._reports.create_index([("kind", ASCENDING), ("produced_at", DESCENDING)])

    async def set_case_fields(self, case_id: str, fields: Document) -> None:
        await self._cases.update_one({"_id": case_id}, {"$set": fields}, upsert=True)

    async def apply(self, changes: Sequence[Change]) -> None:
        for change in changes:
            update: dict[str, Any] = {}
            if change.set:
                update["$set"] = change.set
            if change.add:
                update["$addToSet"] = {k: {"$each": v} for k, v in change.add.items()}
            if update:
                await self._db[change.collection].update_one(
                    {"_id": change.key}, update, upsert=True
                )

    async def snapshot(self) -> Snapshot:
        return Snapshot({name: await self.documents(name) for name in COLLECTIONS})

    async def documents(self, collection: str) -> list[Document]:
        return [doc async for doc in self._db[collection].find({})]

    async def drop(self) -> None:
        """Drop every read model and the ledger of applied events (before a rebuild)."""
        for name in (*READ_MODELS, LEDGER):
            await self._db.drop_collection(name)

    async def case(self, case_id: str) -> Document | None:
        return await self._cases.find_one({"_id": case_id})

    async def save_report(self, document: Document) -> None:
        await self._reports.replace_one({"_id": document["_id"]}, document, upsert=True)

    async def latest_report(self, kind: str) -> Document | None:
        return await self._reports.find_one({"kind": kind}, sort=[("produced_at", DESCENDING)])

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

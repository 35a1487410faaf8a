"""Read models, kept up to date as events arrive with ``$set`` and ``$addToSet`` upserts.

Reports read the documents and the domain computes from them (no aggregation on read:
the read models are kept incrementally).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from sprg_reporting.domain.dated_models import COLLECTIONS, Change
from sprg_reporting.domain.folded import Folded
from sprg_reporting.domain.report import Snapshot
from sprg_shared.store import Document

# The per-case read model (GET /v1/cases/{id}, /v1/cases, /v1/summary; ``domain/projection.py``
# says how each event changes it), beside the dated models the reports read. The collection
# keeps its stored name "case_view": renaming it would leave a running store's documents behind.
CASE_VIEW = "case_view"
REPORTS = "reports"
LEDGER = "applied_events"
DUPLICATE_KEY = 11000
INSERT_BATCH = 1000
DUTIES = "duty_reports"  # each scheduler duty that produced a report (kept by a rebuild)
# Dropped by a rebuild: everything folded from events (not the produced reports' log).
READ_MODELS = (*COLLECTIONS, CASE_VIEW)


def _update(change: Change) -> dict[str, Any]:
    update: dict[str, Any] = {}
    if change.set:
        update["$set"] = change.set
    if change.add:
        update["$addToSet"] = {k: {"$each": v} for k, v in change.add.items()}
    return update


def _settle(written: asyncio.Future[None], error: BaseException | None) -> None:
    if written.done():  # its caller was cancelled
        return
    if error is None:
        written.set_result(None)
    else:
        written.set_exception(error)


class ReadModels:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db
        self._waiting: list[tuple[Sequence[Change], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._cases = db[CASE_VIEW]
        self._reports = db[REPORTS]
        self._duties = db[DUTIES]

    async def ensure_indexes(self) -> None:
        await self._cases.create_index([("type", ASCENDING)])
        await self._cases.create_index([("panel_notification_required", ASCENDING)])
        await self._reports.create_index([("kind", ASCENDING), ("produced_at", DESCENDING)])

    async def apply(self, changes: Sequence[Change]) -> None:
        """``changes`` upserted, in their order; returns once they are on the store.

        The changes of every event being folded at the same moment (a poll's events of
        different cases run together) go to the store together, one bulk write per
        collection, not an upsert each: a third of the pipeline's CPU per case was the
        store's. A batch the store refuses is written again caller by caller, so a change
        the store cannot apply fails its own event and no other.
        """
        if not any(_update(change) for change in changes):
            return
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((changes, written))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        await written

    async def _write_waiting(self) -> None:
        await asyncio.sleep(0)  # the events being folded with this one queue theirs first
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self.apply_many([change for changes, _ in batch for change in changes])
            except Exception:  # noqa: BLE001 - each caller's own changes are tried alone below
                for changes, written in batch:
                    try:
                        await self.apply_many(changes)
                    except Exception as exc:  # noqa: BLE001 - the caller's to handle
                        _settle(written, exc)
                    else:
                        _settle(written, None)
            else:
                for _, written in batch:
                    _settle(written, None)

    async def apply_many(self, changes: Sequence[Change]) -> None:
        """``changes`` upserted, one ordered bulk write per collection (the writer behind
        ``apply``, and a rebuild's merge into documents made meanwhile).

        Changes to one document keep their order; documents are independent of each other.
        """
        by_collection: dict[str, list[UpdateOne]] = {}
        for change in changes:
            update = _update(change)
            if update:
                by_collection.setdefault(change.collection, []).append(
                    UpdateOne({"_id": change.key}, update, upsert=True)
                )
        for name, operations in by_collection.items():
            await self._db[name].bulk_write(operations, ordered=True)

    async def write_folded(self, folded: Folded) -> None:
        """A rebuild's documents, each inserted once (unordered batches).

        A document already there (a live consumer's upsert since the drop) gets the
        changes that made ours applied to it instead, in their order: folds are idempotent.
        """
        for name, documents in folded.documents.items():
            batch = list(documents.values())
            for start in range(0, len(batch), INSERT_BATCH):
                try:
                    await self._db[name].insert_many(
                        batch[start : start + INSERT_BATCH], ordered=False
                    )
                except BulkWriteError as error:
                    failed = error.details.get("writeErrors", [])
                    if any(e.get("code") != DUPLICATE_KEY for e in failed):
                        raise
                    there = [batch[start + e["index"]]["_id"] for e in failed]
                    await self.apply_many(
                        [change for key in there for change in folded.changes_of(name, key)]
                    )

    async def snapshot(self) -> Snapshot:
        return Snapshot({name: await self.documents(name) for name in COLLECTIONS})

    async def documents(self, collection: str) -> list[Document]:
        return [doc async for doc in self._db[collection].find({})]

    async def drop(self) -> None:
        """Empty every read model and the ledger of applied events (before a rebuild).

        Collections are dropped (at a million documents far quicker than deleting each),
        then their indexes made again; a live consumer's upsert recreates a collection.
        """
        for name in (*READ_MODELS, LEDGER):
            await self._db.drop_collection(name)
        await self.ensure_indexes()

    async def case(self, case_id: str) -> Document | None:
        return await self._cases.find_one({"_id": case_id})

    async def cases(self, case_ids: list[str]) -> list[Document]:
        """Many cases' read models at once (a page of the console's worklist)."""
        return [doc async for doc in self._cases.find({"_id": {"$in": case_ids}})]

    async def save_report(self, document: Document) -> None:
        await self._reports.replace_one({"_id": document["_id"]}, document, upsert=True)

    async def duty_done(self, duty_id: str) -> bool:
        return await self._duties.find_one({"_id": duty_id}) is not None

    async def record_duty(self, document: Document) -> None:
        await self._duties.replace_one({"_id": document["_id"]}, document, upsert=True)

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

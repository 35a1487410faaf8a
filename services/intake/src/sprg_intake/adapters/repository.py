"""The case store. One document per case holds the case and the events it owes (the outbox)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sprg_shared.audit import AuditLog
from sprg_shared.store import Document

LISTED: Document = {"attachments": 0, "outbox": 0, "result": 0, "request_fingerprint": 0}
"""What a listed record leaves out: its documents, the events it owed, its first answer."""

LIST_INDEXES: tuple[tuple[str, ...], ...] = (
    ("kind", "facts.agency", "facts.due_date"),
    ("kind", "facts.due_date"),
    ("kind", "facts.owner_agency"),
    ("facts.reference", "kind"),
    ("facts.source_id", "kind"),
    ("facts.source_reference", "kind"),
)
"""Beside ``(subject_id, kind)`` (a case's requests, the returns to requests) and
``(kind, created_at)`` (every record of a kind)."""


# The relay's question, "holds an event id not yet published", which the index on
# outbox_pending answers alone. ``{"$exists": True, "$ne": []}`` matched the same documents
# but read every document that ever had an outbox (an emptied list still exists), so each
# drain grew with every case ever reported: 752,719 rows read for 1,200 cases in one
# pipeline benchmark (bench/README.md).
PENDING_OUTBOX: dict[str, Any] = {"outbox_pending": {"$type": "string"}}


class CaseRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self._cases = db["cases"]
        self._records = db["records"]
        self._audit = AuditLog(db, "intake")
        self._not_processed = db["not_processed"]
        self._collections = {"cases": self._cases, "records": self._records}

    async def ensure_indexes(self) -> None:
        await self._cases.create_index([("agency", ASCENDING)])
        # The list of cases (``find_cases``): newest first, by agency, by reference.
        await self._cases.create_index([("created_at", ASCENDING)])
        await self._cases.create_index([("agency", ASCENDING), ("created_at", ASCENDING)])
        await self._cases.create_index([("reference", ASCENDING)])
        await self._cases.create_index([("outbox_pending", ASCENDING)])
        await self._records.create_index([("subject_id", ASCENDING), ("kind", ASCENDING)])
        await self._records.create_index([("idem", ASCENDING)])
        await self._records.create_index([("kind", ASCENDING), ("created_at", ASCENDING)])
        await self._records.create_index([("outbox_pending", ASCENDING)])
        # The lists of actions and information requests (``find_records``): by the agency
        # asked and the due date, by the owner of an action, by a case's id or reference.
        for key in LIST_INDEXES:
            await self._records.create_index([(field, ASCENDING) for field in key])
        await self._audit.ensure_indexes()

    async def insert(self, case: Document) -> bool:
        """Store a new case with its outbox in one write; False when the id exists already."""
        try:
            await self._cases.insert_one(case)
        except DuplicateKeyError:
            return False
        return True

    async def record_fact(
        self, case_id: str, field: str, value: Document, event_id: str, outbox_entry: Document
    ) -> bool:
        """Set a once-only fact with the event it owes, in one write; False if already set."""
        result = await self._cases.update_one(
            {"_id": case_id, field: {"$exists": False}},
            {
                "$set": {field: value, f"outbox.{event_id}": outbox_entry},
                "$push": {"outbox_pending": event_id},
            },
        )
        return result.modified_count == 1

    async def get(self, case_id: str) -> Document | None:
        return await self._cases.find_one({"_id": case_id})

    async def insert_record(self, record: Document) -> bool:
        """Store a new record (a fact with the events it owes) in one write; False if it exists.

        The record's ``_id`` is deterministic where two requests must not both win: the
        unique-key insert decides, atomically, with no transaction.
        """
        try:
            await self._records.insert_one(record)
        except DuplicateKeyError:
            return False
        return True

    async def get_record(self, record_id: str) -> Document | None:
        return await self._records.find_one({"_id": record_id})

    async def record_by_idem(self, idem: str) -> Document | None:
        return await self._records.find_one({"idem": idem})

    async def records_for(self, subject_id: str, *kinds: str) -> list[Document]:
        """A subject's records of ``kinds``, oldest first (the order they were made)."""
        query: Document = {"subject_id": subject_id}
        if kinds:
            query["kind"] = {"$in": list(kinds)}
        docs = [doc async for doc in self._records.find(query, {"attachments": 0})]
        return sorted(docs, key=lambda d: (d["created_at"], d.get("seq", 0)))

    async def incident_cases(self) -> list[Document]:
        """Every incident case, without its sealed words or outbox (an agenda's reviews)."""
        cursor = self._cases.find({}, {"personal": 0, "outbox": 0})
        return [doc async for doc in cursor.sort("created_at", ASCENDING)]

    async def find_cases(
        self,
        *,
        agency: str | None = None,
        terms: Sequence[str] = (),
        reported_from: datetime | None = None,
        reported_to: datetime | None = None,
        sealed: bool = False,
    ) -> list[Document]:
        query: Document = {}
        if agency is not None:
            query["agency"] = agency
        if terms:
            query["$or"] = [{"_id": {"$in": list(terms)}}, {"reference": {"$in": list(terms)}}]
        reported: Document = {}
        if reported_from is not None:
            reported["$gte"] = reported_from
        if reported_to is not None:
            reported["$lt"] = reported_to
        if reported:
            query["created_at"] = reported
        left_out: Document = {"outbox": 0, "request_fingerprint": 0}
        if not sealed:
            left_out["personal"] = 0
        cursor = self._cases.find(query, left_out).sort("created_at", -1)
        return [doc async for doc in cursor]

    async def records_of_kind(self, kind: str) -> list[Document]:
        docs = [doc async for doc in self._records.find({"kind": kind}, {"attachments": 0})]
        return sorted(docs, key=lambda d: (d["created_at"], d.get("seq", 0)))

    async def find_records(
        self,
        kinds: Sequence[str],
        *,
        where: Mapping[str, Sequence[Any]] | None = None,
        any_of: Mapping[str, Sequence[Any]] | None = None,
        within: Mapping[str, tuple[Any, Any]] | None = None,
        sealed: bool = False,
    ) -> list[Document]:
        query: Document = {"kind": {"$in": list(kinds)}}
        for name, values in (where or {}).items():
            query[name] = {"$in": list(values)}
        if any_of:
            query["$or"] = [{name: {"$in": list(v)}} for name, v in any_of.items()]
        for name, (low, high) in (within or {}).items():
            bounds: Document = {}
            if low is not None:
                bounds["$gte"] = low
            if high is not None:
                bounds["$lte"] = high
            if bounds:
                query[name] = bounds
        cursor = self._records.find(query, LISTED if sealed else {**LISTED, "sealed": 0})
        docs = [doc async for doc in cursor]
        return sorted(docs, key=lambda d: (d["created_at"], d.get("seq", 0)))

    async def with_pending_outbox(self, limit: int) -> list[Document]:
        found: list[Document] = []
        for name, collection in self._collections.items():
            cursor = collection.find(
                PENDING_OUTBOX,
                {"outbox": 1, "outbox_pending": 1},
            ).limit(limit)
            found.extend([{**doc, "_collection": name} async for doc in cursor])
        return found

    async def mark_sent(
        self, case_id: str, event_id: str, at: datetime, collection: str = "cases"
    ) -> None:
        await self._collections[collection].update_one(
            {"_id": case_id},
            {"$pull": {"outbox_pending": event_id}, "$set": {f"outbox.{event_id}.sent_at": at}},
        )

    async def record_read(self, entry: dict[str, Any]) -> None:
        """Into the service's append-only audit log (``sprg_shared.audit``)."""
        await self._audit.append({"action": "read", **entry})

    async def note_not_processed(self, entry_id: str, entry: Document) -> None:
        """Keep a dead letter's note once (the dead letter's event id is the key)."""
        await self._not_processed.update_one(
            {"_id": entry_id}, {"$setOnInsert": entry}, upsert=True
        )

    async def not_processed_for(self, subject_id: str) -> list[Document]:
        """A subject's notes of what another service could not process, oldest first."""
        cursor = self._not_processed.find({"subject_id": subject_id, "processed_at": None})
        return [doc async for doc in cursor.sort("at", 1)]

    async def clear_not_processed(
        self,
        *,
        note_id: str | None,
        event_id: str | None,
        service: str,
        at: datetime,
        detail: Document,
    ) -> None:
        """Mark processed the note ``note_id`` and any other of the same event from the same
        service (kept, no longer shown). Idempotent."""
        which: list[Document] = []
        if note_id:
            which.append({"_id": note_id})
        if event_id:
            which.append({"event_id": event_id, "service": service})
        if which:
            await self._not_processed.update_many(
                {"$or": which, "processed_at": None}, {"$set": {"processed_at": at, **detail}}
            )

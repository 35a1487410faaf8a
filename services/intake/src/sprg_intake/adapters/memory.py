"""In-memory adapters of intake's ports, for tests that need no server (``ports.py``).

They keep the store's observable behaviour, which ``tests/intake_store_contract.py``
checks against both: a document comes back as a copy (never the caller's object), with
times to the millisecond in UTC; an id is taken once; a once-only fact is set once;
the projections leave out what the store's queries leave out.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sprg_shared.envelope import Envelope
from sprg_shared.store import Document


def _stored(value: Any) -> Any:
    """What the store hands back for ``value``: a deep copy, times in UTC to the millisecond."""
    if isinstance(value, datetime):
        at = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return at.replace(microsecond=at.microsecond // 1000 * 1000)
    if isinstance(value, dict):
        return {k: _stored(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_stored(v) for v in value]
    return copy.deepcopy(value)


def _without(doc: Document, *fields: str) -> Document:
    return {k: _stored(v) for k, v in doc.items() if k not in fields}


def _at(doc: Document, path: str) -> Any:
    """The value at a dotted path (None when any step is missing), as the store reads it."""
    value: Any = doc
    for step in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _in_order(docs: list[Document]) -> list[Document]:
    return sorted(docs, key=lambda d: (d["created_at"], d.get("seq", 0)))


class InMemoryCaseStore:
    """``ports.CaseStore`` in a dict per collection."""

    def __init__(self) -> None:
        self.collections: dict[str, dict[str, Document]] = {"cases": {}, "records": {}}
        self.reads: list[dict[str, Any]] = []
        self.not_processed: dict[str, Document] = {}

    @property
    def _cases(self) -> dict[str, Document]:
        return self.collections["cases"]

    @property
    def _records(self) -> dict[str, Document]:
        return self.collections["records"]

    async def ensure_indexes(self) -> None:
        return None

    async def insert(self, case: Document) -> bool:
        if case["_id"] in self._cases:
            return False
        self._cases[case["_id"]] = _stored(case)
        return True

    async def record_fact(
        self, case_id: str, field: str, value: Document, event_id: str, outbox_entry: Document
    ) -> bool:
        case = self._cases.get(case_id)
        if case is None or field in case:
            return False
        case[field] = _stored(value)
        case.setdefault("outbox", {})[event_id] = _stored(outbox_entry)
        case.setdefault("outbox_pending", []).append(event_id)
        return True

    async def get(self, case_id: str) -> Document | None:
        case = self._cases.get(case_id)
        return None if case is None else _stored(case)

    async def insert_record(self, record: Document) -> bool:
        if record["_id"] in self._records:
            return False
        self._records[record["_id"]] = _stored(record)
        return True

    async def get_record(self, record_id: str) -> Document | None:
        record = self._records.get(record_id)
        return None if record is None else _stored(record)

    async def record_by_idem(self, idem: str) -> Document | None:
        found = next((r for r in self._records.values() if r.get("idem") == idem), None)
        return None if found is None else _stored(found)

    async def records_for(self, subject_id: str, *kinds: str) -> list[Document]:
        return _in_order(
            [
                _without(r, "attachments")
                for r in self._records.values()
                if r.get("subject_id") == subject_id and (not kinds or r.get("kind") in kinds)
            ]
        )

    async def incident_cases(self) -> list[Document]:
        cases = [_without(c, "personal", "outbox") for c in self._cases.values()]
        return sorted(cases, key=lambda c: c["created_at"])

    async def find_cases(
        self,
        *,
        agency: str | None = None,
        terms: Sequence[str] = (),
        reported_from: datetime | None = None,
        reported_to: datetime | None = None,
        sealed: bool = False,
    ) -> list[Document]:
        def matches(case: Document) -> bool:
            at = _stored(case["created_at"])
            return (
                (agency is None or case.get("agency") == agency)
                and (not terms or case["_id"] in terms or case.get("reference") in terms)
                and (reported_from is None or at >= _stored(reported_from))
                and (reported_to is None or at < _stored(reported_to))
            )

        left_out = ["outbox", "request_fingerprint"] + ([] if sealed else ["personal"])
        found = [_without(c, *left_out) for c in self._cases.values() if matches(c)]
        return sorted(found, key=lambda c: c["created_at"], reverse=True)

    async def records_of_kind(self, kind: str) -> list[Document]:
        return _in_order(
            [_without(r, "attachments") for r in self._records.values() if r.get("kind") == kind]
        )

    async def find_records(
        self,
        kinds: Sequence[str],
        *,
        where: Mapping[str, Sequence[Any]] | None = None,
        any_of: Mapping[str, Sequence[Any]] | None = None,
        within: Mapping[str, tuple[Any, Any]] | None = None,
        sealed: bool = False,
    ) -> list[Document]:
        def matches(record: Document) -> bool:
            if record.get("kind") not in kinds:
                return False
            if any(_at(record, n) not in v for n, v in (where or {}).items()):
                return False
            if any_of and not any(_at(record, n) in v for n, v in any_of.items()):
                return False
            for name, (low, high) in (within or {}).items():
                value = _at(record, name)
                if (low is not None or high is not None) and value is None:
                    return False
                if (low is not None and value < low) or (high is not None and value > high):
                    return False
            return True

        left_out = ["attachments", "outbox", "result", "request_fingerprint"]
        if not sealed:
            left_out.append("sealed")
        return _in_order([_without(r, *left_out) for r in self._records.values() if matches(r)])

    async def with_pending_outbox(self, limit: int) -> list[Document]:
        found: list[Document] = []
        for name, collection in self.collections.items():
            pending = [d for d in collection.values() if d.get("outbox_pending")][:limit]
            found.extend(
                {
                    "_id": d["_id"],
                    "outbox": _stored(d["outbox"]),
                    "outbox_pending": list(d["outbox_pending"]),
                    "_collection": name,
                }
                for d in pending
            )
        return found

    async def mark_sent(
        self, case_id: str, event_id: str, at: datetime, collection: str = "cases"
    ) -> None:
        doc = self.collections[collection].get(case_id)
        if doc is None:
            return
        doc["outbox_pending"] = [e for e in doc.get("outbox_pending", []) if e != event_id]
        if event_id in doc.get("outbox", {}):
            doc["outbox"][event_id]["sent_at"] = _stored(at)

    async def record_read(self, entry: dict[str, Any]) -> None:
        self.reads.append(_stored({"action": "read", **entry}))

    async def note_not_processed(self, entry_id: str, entry: Document) -> None:
        self.not_processed.setdefault(entry_id, _stored({"_id": entry_id, **entry}))

    async def not_processed_for(self, subject_id: str) -> list[Document]:
        found = [
            _stored(d)
            for d in self.not_processed.values()
            if d["subject_id"] == subject_id and d.get("processed_at") is None
        ]
        return sorted(found, key=lambda d: d["at"])

    async def clear_not_processed(
        self,
        *,
        note_id: str | None,
        event_id: str | None,
        service: str,
        at: datetime,
        detail: Document,
    ) -> None:
        for key, note in self.not_processed.items():
            same = key == note_id or (
                event_id is not None
                and note.get("event_id") == event_id
                and note.get("service") == service
            )
            if same and note.get("processed_at") is None:
                note.update({"processed_at": at, **_stored(detail)})


class InMemoryPublisher:
    """``ports.Publisher`` that keeps what it was given, per topic, in order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, Envelope]] = []

    async def publish(self, topic: str, envelope: Envelope) -> None:
        self.published.append((topic, envelope))

    def on(self, topic: str) -> list[Envelope]:
        return [e for t, e in self.published if t == topic]

"""Reporting's read models in memory, for the unit tier: ``repository.ReadModels``'s upserts
(``$set`` on dotted paths, ``$addToSet`` with ``$each``) and queries on plain dictionaries."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sprg_reporting.adapters.repository import CASE_VIEW, DUTIES, REPORTS
from sprg_reporting.domain.dated_models import COLLECTIONS, Change
from sprg_reporting.domain.folded import Folded
from sprg_reporting.domain.report import Snapshot
from sprg_shared.store import Document

_MISSING = object()


def _get(doc: Document, path: str) -> Any:
    here: Any = doc
    for part in path.split("."):
        if not isinstance(here, dict) or part not in here:
            return _MISSING
        here = here[part]
    return here


def _put(doc: Document, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    here = doc
    for part in parents:
        here = here.setdefault(part, {})
    here[leaf] = copy.deepcopy(value)


class MemoryReadModels:
    def __init__(self) -> None:
        self.collections: dict[str, dict[str, Document]] = {}

    def _col(self, name: str) -> dict[str, Document]:
        return self.collections.setdefault(name, {})

    async def ensure_indexes(self) -> None:
        """Nothing to index."""

    async def apply(self, changes: Sequence[Change]) -> None:
        for change in changes:
            if not change.set and not change.add:
                continue
            doc = self._col(change.collection).setdefault(change.key, {"_id": change.key})
            for path, value in change.set.items():
                _put(doc, path, value)
            for path, values in change.add.items():
                present = _get(doc, path)
                members = [] if present is _MISSING else list(present)
                members.extend(v for v in values if v not in members)
                _put(doc, path, members)

    async def apply_many(self, changes: Sequence[Change]) -> None:
        await self.apply(changes)

    async def write_folded(self, folded: Folded) -> None:
        for name, documents in folded.documents.items():
            for key, document in documents.items():
                if key in self._col(name):
                    await self.apply(folded.changes_of(name, key))
                else:
                    self._col(name)[key] = copy.deepcopy(document)

    async def snapshot(self) -> Snapshot:
        return Snapshot({name: await self.documents(name) for name in COLLECTIONS})

    async def documents(self, collection: str) -> list[Document]:
        return [copy.deepcopy(d) for d in self._col(collection).values()]

    async def drop(self) -> None:
        for name in (*COLLECTIONS, CASE_VIEW):
            self.collections.pop(name, None)

    async def case(self, case_id: str) -> Document | None:
        found = self._col(CASE_VIEW).get(case_id)
        return None if found is None else copy.deepcopy(found)

    async def cases(self, case_ids: list[str]) -> list[Document]:
        kept = self._col(CASE_VIEW)
        return [copy.deepcopy(kept[c]) for c in dict.fromkeys(case_ids) if c in kept]

    async def save_report(self, document: Document) -> None:
        self._col(REPORTS)[document["_id"]] = copy.deepcopy(document)

    async def duty_done(self, duty_id: str) -> bool:
        return duty_id in self._col(DUTIES)

    async def record_duty(self, document: Document) -> None:
        self._col(DUTIES)[document["_id"]] = copy.deepcopy(document)

    async def latest_report(self, kind: str) -> Document | None:
        found = [d for d in self._col(REPORTS).values() if d.get("kind") == kind]
        if not found:
            return None
        return copy.deepcopy(max(found, key=lambda d: d["produced_at"]))

    async def summary(self) -> dict[str, int]:
        cases = list(self._col(CASE_VIEW).values())

        def count(path: str, value: Any) -> int:
            return sum(1 for c in cases if _get(c, path) == value)

        return {
            "cases_reported": count("type", "incident"),
            "panel_notifications_required": count("panel_notification_required", True),
            "rapid_reviews_required": count("rapid_review_required", True),
            "sin_clocks_open": count("clocks.sin_notification.state", "open"),
            "sin_clocks_breached": count("clocks.sin_notification.state", "breached"),
            "sin_met_in_time": count("sin_notification_status", "met"),
            "sin_met_late": count("sin_notification_status", "late"),
        }

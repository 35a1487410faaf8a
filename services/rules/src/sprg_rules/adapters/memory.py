"""The rules' decision stores in memory, for the unit tier (``repository.DecisionRepository``
and ``subjects.SubjectRepository`` on dictionaries: insert-once decisions, newest first where
those are)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sprg_shared.contracts.decisions import CaseAssessed, SubjectDecided
from sprg_shared.store import Document


def _by_time(docs: list[Document], newest_first: bool = False) -> list[Document]:
    return sorted(docs, key=lambda d: d["decided_at"], reverse=newest_first)


class MemoryDecisions:
    def __init__(self) -> None:
        self.decisions: dict[str, Document] = {}

    async def ensure_indexes(self) -> None:
        """Nothing to index."""

    async def save(
        self, decision_id: str, assessed: CaseAssessed, facts: Document, at: datetime
    ) -> None:
        if decision_id in self.decisions:
            return
        doc = assessed.model_dump(mode="json")
        self.decisions[decision_id] = {
            "_id": decision_id,
            **doc,
            "facts": copy.deepcopy(facts),
            "decided_at": at,
        }

    def _of(self, case_id: str) -> list[Document]:
        return [d for d in self.decisions.values() if d["case_id"] == case_id]

    async def facts_of(self, case_id: str) -> Document | None:
        found = _by_time(self._of(case_id), newest_first=True)
        return copy.deepcopy(found[0]["facts"]) if found else None

    async def reference_of(self, case_id: str) -> str | None:
        found = [d for d in self._of(case_id) if isinstance(d.get("reference"), str)]
        return str(_by_time(found, newest_first=True)[0]["reference"]) if found else None

    async def for_case(self, case_id: str) -> list[Document]:
        return copy.deepcopy(_by_time(self._of(case_id)))

    async def latest_facts(self, limit: int) -> dict[str, Document]:
        latest: dict[str, Document] = {}
        for doc in _by_time(list(self.decisions.values()), newest_first=True):
            if doc["case_id"] not in latest and "facts" in doc:
                latest[doc["case_id"]] = copy.deepcopy(doc["facts"])
                if len(latest) >= limit:
                    break
        return latest


class MemorySubjects:
    def __init__(self) -> None:
        self.subjects: dict[str, Document] = {}
        self.decisions: dict[str, Document] = {}

    async def ensure_indexes(self) -> None:
        """Nothing to index."""

    def _subject(self, kind: str, subject_id: str) -> Document:
        key = f"{kind}:{subject_id}"
        return self.subjects.setdefault(key, {"_id": key})

    async def record(
        self, kind: str, subject_id: str, part: str, facts: dict[str, Any]
    ) -> dict[str, Any]:
        doc = self._subject(kind, subject_id)
        doc.update({"kind": kind, "subject_id": subject_id})
        doc.setdefault("parts", {})[part] = copy.deepcopy(facts)
        return copy.deepcopy(dict(doc["parts"]))

    async def labels(
        self,
        kind: str,
        subject_id: str,
        reference: str | None,
        about: dict[str, Any] | None,
    ) -> tuple[str | None, dict[str, Any]]:
        if reference is None and not about:
            doc = self.subjects.get(f"{kind}:{subject_id}", {})
        else:
            doc = self._subject(kind, subject_id)
            if reference is not None:
                doc["reference"] = reference
            doc.setdefault("about", {}).update(copy.deepcopy(about or {}))
        return doc.get("reference"), copy.deepcopy(dict(doc.get("about") or {}))

    async def save(
        self, decision_id: str, decided: SubjectDecided, facts: dict[str, Any], at: datetime
    ) -> None:
        if decision_id in self.decisions:
            return
        doc = decided.model_dump(mode="json")
        self.decisions[decision_id] = {
            "_id": decision_id,
            **doc,
            "facts": copy.deepcopy(facts),
            "decided_at": at,
        }

    async def for_subject(self, subject_id: str) -> list[Document]:
        found = [
            d
            for d in self.decisions.values()
            if d.get("subject_id") == subject_id or d.get("case_id") == subject_id
        ]
        return copy.deepcopy(_by_time(found))

    async def latest_facts(self, kind: str, limit: int) -> dict[str, dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        mine = [d for d in self.decisions.values() if d.get("kind") == kind]
        for doc in _by_time(mine, newest_first=True):
            if doc["subject_id"] not in latest:
                latest[doc["subject_id"]] = copy.deepcopy(dict(doc["facts"]))
                if len(latest) >= limit:
                    break
        return latest

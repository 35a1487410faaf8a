"""What the rules' handlers need from the store: decisions on cases and matters.

Real adapters: ``repository.DecisionRepository`` and ``subjects.SubjectRepository`` (the
store); in memory: ``memory`` (the unit tier). tests/contracts/ holds both to one behaviour.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sprg_shared.contracts.decisions import CaseAssessed, SubjectDecided
from sprg_shared.store import Document


class DecisionStore(Protocol):
    async def ensure_indexes(self) -> None: ...

    async def save(
        self, decision_id: str, assessed: CaseAssessed, facts: Document, at: datetime
    ) -> None: ...

    async def facts_of(self, case_id: str) -> Document | None: ...

    async def reference_of(self, case_id: str) -> str | None: ...

    async def for_case(self, case_id: str) -> list[Document]: ...

    async def latest_facts(self, limit: int) -> dict[str, Document]: ...


class SubjectStore(Protocol):
    async def ensure_indexes(self) -> None: ...

    async def record(
        self, kind: str, subject_id: str, part: str, facts: dict[str, Any]
    ) -> dict[str, Any]: ...

    async def labels(
        self,
        kind: str,
        subject_id: str,
        reference: str | None,
        about: dict[str, Any] | None,
    ) -> tuple[str | None, dict[str, Any]]: ...

    async def save(
        self, decision_id: str, decided: SubjectDecided, facts: dict[str, Any], at: datetime
    ) -> None: ...

    async def for_subject(self, subject_id: str) -> list[Document]: ...

    async def latest_facts(self, kind: str, limit: int) -> dict[str, dict[str, Any]]: ...

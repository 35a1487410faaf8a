"""What intake's handlers and its outbox relay need from the outside, as ports.

Two adapters each: the store (``repository.CaseRepository``, MongoDB protocol) and the
in-memory one (``memory.InMemoryCaseStore``) for the case store and its outbox; the
broker's producer (``sprg_shared.bus.Producer``) and ``memory.InMemoryPublisher`` for
publishing. ``tests/intake_store_contract.py`` holds both store adapters to one contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sprg_shared.envelope import Envelope
from sprg_shared.store import Document


class Outbox(Protocol):
    """The events stored beside the facts that owe them, until the relay has sent them."""

    async def with_pending_outbox(self, limit: int) -> list[Document]: ...

    async def mark_sent(
        self, case_id: str, event_id: str, at: datetime, collection: str = "cases"
    ) -> None: ...


class CaseStore(Outbox, Protocol):
    """Cases, the records of every later fact, the audit of reads, what was not processed."""

    async def ensure_indexes(self) -> None: ...

    async def insert(self, case: Document) -> bool: ...

    async def record_fact(
        self, case_id: str, field: str, value: Document, event_id: str, outbox_entry: Document
    ) -> bool: ...

    async def get(self, case_id: str) -> Document | None: ...

    async def insert_record(self, record: Document) -> bool: ...

    async def get_record(self, record_id: str) -> Document | None: ...

    async def record_by_idem(self, idem: str) -> Document | None: ...

    async def records_for(self, subject_id: str, *kinds: str) -> list[Document]: ...

    async def incident_cases(self) -> list[Document]: ...

    async def records_of_kind(self, kind: str) -> list[Document]: ...

    async def find_cases(
        self,
        *,
        agency: str | None = None,
        terms: Sequence[str] = (),
        reported_from: datetime | None = None,
        reported_to: datetime | None = None,
        sealed: bool = False,
    ) -> list[Document]:
        """Incident cases, the newest first, without their outbox or first answer: those
        ``agency`` reported (None: every agency), whose id or reference is one of ``terms``
        (none: any), reported at or after ``reported_from`` and before ``reported_to``; the
        sealed personal data only when ``sealed`` (to check the agency bound to it).
        Served by an index (``ensure_indexes``)."""
        ...

    async def find_records(
        self,
        kinds: Sequence[str],
        *,
        where: Mapping[str, Sequence[Any]] | None = None,
        any_of: Mapping[str, Sequence[Any]] | None = None,
        within: Mapping[str, tuple[Any, Any]] | None = None,
        sealed: bool = False,
    ) -> list[Document]:
        """Records of ``kinds``, oldest first, without their documents, outbox or result:
        each ``where`` field (a dotted path) one of its values, at least one ``any_of`` field
        one of its values, each ``within`` field between its bounds (inclusive; None is
        open); the seal (the words, and the agencies bound to them) only when ``sealed``.
        Every query the lists make is served by an index (``ensure_indexes``)."""
        ...

    async def record_read(self, entry: dict[str, Any]) -> None: ...

    async def note_not_processed(self, entry_id: str, entry: Document) -> None: ...

    async def not_processed_for(self, subject_id: str) -> list[Document]: ...

    async def clear_not_processed(
        self,
        *,
        note_id: str | None,
        event_id: str | None,
        service: str,
        at: datetime,
        detail: Document,
    ) -> None: ...


class Publisher(Protocol):
    """Puts an envelope on a topic, keyed by its subject; raises when the bus does not take it."""

    async def publish(self, topic: str, envelope: Envelope) -> None: ...

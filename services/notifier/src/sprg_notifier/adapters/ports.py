"""What the notifier's handlers need from the world: its store and its two channels.

Each has a real adapter (``repository.NotifierRepository`` on the store, ``channels.SmtpChannel``
and ``channels.WebhookChannel``) and an in-memory one (``memory``) for the unit tier; the
contract tests (tests/contracts/notifier_store.py) hold both to the same behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sprg_notifier.domain.directory import Agency, Person
from sprg_notifier.domain.render import Rendered
from sprg_notifier.domain.subscriptions import Subscription
from sprg_shared.store import Document


class Directory(NamedTuple):
    """What an event's handling reads: who subscribes to what, the people, the agencies."""

    subscriptions: list[Subscription]
    people: list[Person]
    agencies: list[Agency]


class NotifierStore(Protocol):
    async def ensure_indexes(self) -> None: ...

    async def directory(self) -> Directory:
        """Subscriptions, people and agencies as they stand, read together."""
        ...

    async def put_person(self, person: Person) -> None: ...

    async def people(self, role: str | None = None) -> list[Person]: ...

    async def person(self, person_id: str) -> Person | None: ...

    async def put_agency(self, agency: Agency) -> None: ...

    async def agencies(self) -> list[Agency]: ...

    async def seed_subscriptions(self, shipped: Sequence[Subscription]) -> None: ...

    async def put_subscription(self, subscription: Subscription) -> None: ...

    async def subscriptions(self) -> list[Subscription]: ...

    async def subscription(self, name: str) -> Subscription | None: ...

    async def record_intent(self, delivery: Document) -> Document: ...

    async def mark(
        self, delivery_id: str, status: str, at: datetime, attempts: int, error: str | None
    ) -> None: ...

    async def deliveries(
        self,
        *,
        case_id: str | None = None,
        person_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[Document]: ...

    async def queued_for(self, person_id: str) -> list[Document]: ...

    async def deliveries_by_id(self, ids: Sequence[str]) -> list[Document]: ...

    async def digested(self, ids: Sequence[str], digest_id: str, at: datetime) -> None: ...

    async def claim_digest(self, claim: Document) -> bool: ...

    async def digest_claim(self, claim_id: str) -> Document | None: ...

    async def finish_digest(self, digest_id: str, fields: Document) -> None: ...

    async def digests(self, person_id: str | None, limit: int) -> list[Document]: ...


class EmailSender(Protocol):
    async def send(self, *, to: str, message: Rendered, delivery_id: str) -> None: ...


class WebhookSender(Protocol):
    @property
    def allowed_origins(self) -> tuple[str, ...]: ...

    async def send(self, *, url: str, payload: dict[str, Any], delivery_id: str) -> None: ...

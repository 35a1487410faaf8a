"""The notifier's store and channels in memory, for the unit tier (no store, no SMTP, no HTTP).

``MemoryNotifierStore`` keeps ``NotifierRepository``'s promises: a delivery's ``_id`` and a
digest's ``_id`` are claims (a second insert returns the first record, or False), lists come
in the same order. ``MemoryEmail`` and ``MemoryWebhook`` keep what was sent, and can be told
to refuse (``refuse``), as a relay or a receiver that is down.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sprg_notifier.adapters.channels import ChannelError
from sprg_notifier.adapters.ports import Directory
from sprg_notifier.domain.directory import Agency, Person
from sprg_notifier.domain.render import Rendered
from sprg_notifier.domain.subscriptions import Subscription
from sprg_shared.store import Document


class MemoryNotifierStore:
    def __init__(self) -> None:
        self.people_by_id: dict[str, Person] = {}
        self.agencies_by_id: dict[str, Agency] = {}
        self.subscriptions_by_name: dict[str, Subscription] = {}
        self.delivery_log: dict[str, Document] = {}
        self.digest_claims: dict[str, Document] = {}

    async def ensure_indexes(self) -> None:
        """Nothing to index."""

    # -- directory ------------------------------------------------------------------

    async def put_person(self, person: Person) -> None:
        self.people_by_id[person.person_id] = person

    async def directory(self) -> Directory:
        return Directory(await self.subscriptions(), await self.people(), await self.agencies())

    async def people(self, role: str | None = None) -> list[Person]:
        return [p for _, p in sorted(self.people_by_id.items()) if role is None or role in p.roles]

    async def person(self, person_id: str) -> Person | None:
        return self.people_by_id.get(person_id)

    async def put_agency(self, agency: Agency) -> None:
        self.agencies_by_id[agency.agency_id] = agency

    async def agencies(self) -> list[Agency]:
        return [a for _, a in sorted(self.agencies_by_id.items())]

    # -- subscriptions ----------------------------------------------------------------

    async def seed_subscriptions(self, shipped: Sequence[Subscription]) -> None:
        for subscription in shipped:
            self.subscriptions_by_name.setdefault(subscription.name, subscription)

    async def put_subscription(self, subscription: Subscription) -> None:
        self.subscriptions_by_name[subscription.name] = subscription

    async def subscriptions(self) -> list[Subscription]:
        return [s for _, s in sorted(self.subscriptions_by_name.items())]

    async def subscription(self, name: str) -> Subscription | None:
        return self.subscriptions_by_name.get(name)

    # -- deliveries -------------------------------------------------------------------

    async def record_intent(self, delivery: Document) -> Document:
        existing = self.delivery_log.get(delivery["_id"])
        if existing is not None:
            return copy.deepcopy(existing)
        self.delivery_log[delivery["_id"]] = copy.deepcopy(delivery)
        return delivery

    async def mark(
        self, delivery_id: str, status: str, at: datetime, attempts: int, error: str | None
    ) -> None:
        found = self.delivery_log.get(delivery_id)
        if found is None:
            return
        found.update({"status": status, "updated_at": at, "attempts": attempts, "error": error})
        if status == "sent":
            found["sent_at"] = at

    def _sorted(self, docs: list[Document]) -> list[Document]:
        return [copy.deepcopy(d) for d in sorted(docs, key=lambda d: d["created_at"])]

    async def deliveries(
        self,
        *,
        case_id: str | None = None,
        person_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[Document]:
        wanted = {"case_id": case_id, "person_id": person_id, "status": status}
        found = [
            d
            for d in self.delivery_log.values()
            if all(v is None or d.get(k) == v for k, v in wanted.items())
        ]
        return self._sorted(found)[:limit]

    async def queued_for(self, person_id: str) -> list[Document]:
        return await self.deliveries(person_id=person_id, status="queued", limit=1 << 30)

    async def deliveries_by_id(self, ids: Sequence[str]) -> list[Document]:
        return self._sorted([d for i, d in self.delivery_log.items() if i in set(ids)])

    async def digested(self, ids: Sequence[str], digest_id: str, at: datetime) -> None:
        for delivery_id in ids:
            if delivery_id in self.delivery_log:
                self.delivery_log[delivery_id].update(
                    {"status": "digested", "digest_id": digest_id, "updated_at": at}
                )

    # -- digests ------------------------------------------------------------------------

    async def claim_digest(self, claim: Document) -> bool:
        if claim["_id"] in self.digest_claims:
            return False
        self.digest_claims[claim["_id"]] = copy.deepcopy(claim)
        return True

    async def digest_claim(self, claim_id: str) -> Document | None:
        found = self.digest_claims.get(claim_id)
        return None if found is None else copy.deepcopy(found)

    async def finish_digest(self, digest_id: str, fields: Document) -> None:
        if digest_id in self.digest_claims:
            self.digest_claims[digest_id].update(copy.deepcopy(fields))

    async def digests(self, person_id: str | None, limit: int) -> list[Document]:
        found = [
            d
            for d in self.digest_claims.values()
            if person_id is None or d["person_id"] == person_id
        ]
        found.sort(key=lambda d: d["claimed_at"], reverse=True)
        return [copy.deepcopy(d) for d in found[:limit]]


@dataclass(frozen=True)
class SentEmail:
    to: str
    message: Rendered
    delivery_id: str


@dataclass
class MemoryEmail:
    """An SMTP relay in memory: ``sent`` is its mailbox; ``refuse`` makes it fail."""

    sent: list[SentEmail] = field(default_factory=list)
    refuse: str | None = None

    async def send(self, *, to: str, message: Rendered, delivery_id: str) -> None:
        if self.refuse is not None:
            raise ChannelError(f"SMTP: {self.refuse}")
        self.sent.append(SentEmail(to=to, message=message, delivery_id=delivery_id))


@dataclass(frozen=True)
class SentWebhook:
    url: str
    payload: dict[str, Any]
    delivery_id: str


@dataclass
class MemoryWebhook:
    """A webhook receiver in memory: ``sent`` is what it received; ``refuse`` makes it fail."""

    sent: list[SentWebhook] = field(default_factory=list)
    refuse: str | None = None
    allowed_origins: tuple[str, ...] = ()

    async def send(self, *, url: str, payload: dict[str, Any], delivery_id: str) -> None:
        if self.refuse is not None:
            raise ChannelError(f"webhook: {self.refuse}")
        self.sent.append(SentWebhook(url=url, payload=payload, delivery_id=delivery_id))

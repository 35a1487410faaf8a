"""The notifier's store: directory, subscriptions, delivery log and digest claims.

Only single-document writes and unique-key inserts are relied on (the store has no
multi-document transactions): the delivery's deterministic ``_id`` and the digest's
``_id`` (person, day) are the claims.

The directory (people, agencies) and the subscriptions are read for every event and
change rarely: each write to them, then bumps one version document (``meta``,
``directory``), and the whole lists are kept here with the version they were read at.
A read asks the store only for that small document and reads the lists again when it
moved, so a change made through any replica is seen by the next event on every replica
(its write is answered only after the version moved), at one small read per event
(``directory``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sprg_notifier.adapters.ports import Directory
from sprg_notifier.domain.directory import Agency, Person
from sprg_notifier.domain.subscriptions import Subscription
from sprg_shared.store import Document, update_each

T = TypeVar("T")
DIRECTORY = "directory"  # the meta document whose version each directory write moves


class NotifierRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._people = db["people"]
        self._agencies = db["agencies"]
        self._subscriptions = db["subscriptions"]
        self._deliveries = db["deliveries"]
        self._digests = db["digests"]
        self._meta = db["meta"]
        self._kept: dict[str, tuple[int, list[Any]]] = {}  # list -> (version, items)

    async def _changed(self) -> None:
        """After a directory or subscription write: every replica reads the lists again."""
        await self._meta.update_one({"_id": DIRECTORY}, {"$inc": {"version": 1}}, upsert=True)

    async def _version(self) -> int:
        found = await self._meta.find_one({"_id": DIRECTORY})
        return int(found["version"]) if found else 0

    async def _kept_or(self, name: str, load: Callable[[], Awaitable[list[T]]]) -> list[T]:
        return await self._kept_at(await self._version(), name, load)

    async def _kept_at(
        self, version: int, name: str, load: Callable[[], Awaitable[list[T]]]
    ) -> list[T]:
        kept = self._kept.get(name)
        if kept is not None and kept[0] == version:
            return list(kept[1])  # the items are frozen models: shared safely
        # Read after the version: what is kept is at least as new as it says.
        items = await load()
        self._kept[name] = (version, items)
        return list(items)

    async def ensure_indexes(self) -> None:
        await self._people.create_index([("roles", ASCENDING)])
        await self._deliveries.create_index([("case_id", ASCENDING)])
        await self._deliveries.create_index([("person_id", ASCENDING), ("status", ASCENDING)])
        await self._deliveries.create_index([("status", ASCENDING), ("created_at", ASCENDING)])
        await self._deliveries.create_index([("created_at", ASCENDING)])
        await self._digests.create_index([("person_id", ASCENDING), ("claimed_at", DESCENDING)])
        await self._digests.create_index([("claimed_at", DESCENDING)])

    # -- directory ------------------------------------------------------------------

    async def directory(self) -> Directory:
        """The three lists at one version: one small read for an event, not three."""
        version = await self._version()
        return Directory(
            subscriptions=await self._kept_at(version, "subscriptions", self._read_subscriptions),
            people=await self._kept_at(version, "people", self._read_people),
            agencies=await self._kept_at(version, "agencies", self._read_agencies),
        )

    async def put_person(self, person: Person) -> None:
        await self._people.replace_one({"_id": person.person_id}, _doc(person, "person_id"), True)
        await self._changed()

    async def people(self, role: str | None = None) -> list[Person]:
        if role is None:
            return await self._kept_or("people", self._read_people)
        return await self._read_people(role)

    async def _read_people(self, role: str | None = None) -> list[Person]:
        query: Document = {"roles": role} if role else {}
        cursor = self._people.find(query).sort("_id", ASCENDING)
        return [Person.model_validate(_fields(doc, "person_id")) async for doc in cursor]

    async def person(self, person_id: str) -> Person | None:
        doc = await self._people.find_one({"_id": person_id})
        return None if doc is None else Person.model_validate(_fields(doc, "person_id"))

    async def put_agency(self, agency: Agency) -> None:
        await self._agencies.replace_one({"_id": agency.agency_id}, _doc(agency, "agency_id"), True)
        await self._changed()

    async def agencies(self) -> list[Agency]:
        return await self._kept_or("agencies", self._read_agencies)

    async def _read_agencies(self) -> list[Agency]:
        cursor = self._agencies.find({}).sort("_id", ASCENDING)
        return [Agency.model_validate(_fields(doc, "agency_id")) async for doc in cursor]

    # -- subscriptions ----------------------------------------------------------------

    async def seed_subscriptions(self, shipped: Sequence[Subscription]) -> None:
        """Insert the shipped subscriptions that are not there yet; never overwrite."""
        added = False
        for subscription in shipped:
            try:
                await self._subscriptions.insert_one(_subscription_doc(subscription))
            except DuplicateKeyError:
                continue
            added = True
        if added:
            await self._changed()

    async def put_subscription(self, subscription: Subscription) -> None:
        doc = _subscription_doc(subscription)
        await self._subscriptions.replace_one({"_id": subscription.name}, doc, upsert=True)
        await self._changed()

    async def subscriptions(self) -> list[Subscription]:
        return await self._kept_or("subscriptions", self._read_subscriptions)

    async def _read_subscriptions(self) -> list[Subscription]:
        cursor = self._subscriptions.find({}).sort("_id", ASCENDING)
        return [_subscription(doc) async for doc in cursor]

    async def subscription(self, name: str) -> Subscription | None:
        doc = await self._subscriptions.find_one({"_id": name})
        return None if doc is None else _subscription(doc)

    # -- deliveries -------------------------------------------------------------------

    async def record_intent(self, delivery: Document) -> Document:
        """Record the delivery before sending; returns the stored record (maybe an earlier one)."""
        try:
            await self._deliveries.insert_one(delivery)
        except DuplicateKeyError:
            existing = await self._deliveries.find_one({"_id": delivery["_id"]})
            if existing is not None:
                return existing
            raise
        return delivery

    async def mark(
        self, delivery_id: str, status: str, at: datetime, attempts: int, error: str | None
    ) -> None:
        fields: Document = {"status": status, "updated_at": at, "attempts": attempts}
        fields["error"] = error
        if status == "sent":
            fields["sent_at"] = at
        await self._deliveries.update_one({"_id": delivery_id}, {"$set": fields})

    async def deliveries(
        self,
        *,
        case_id: str | None = None,
        person_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[Document]:
        query: Document = {
            k: v
            for k, v in {"case_id": case_id, "person_id": person_id, "status": status}.items()
            if v is not None
        }
        cursor = self._deliveries.find(query).sort("created_at", ASCENDING).limit(limit)
        return [d async for d in cursor]

    async def queued_for(self, person_id: str) -> list[Document]:
        query = {"person_id": person_id, "status": "queued"}
        return [d async for d in self._deliveries.find(query).sort("created_at", ASCENDING)]

    async def deliveries_by_id(self, ids: Sequence[str]) -> list[Document]:
        query = {"_id": {"$in": list(ids)}}
        return [d async for d in self._deliveries.find(query).sort("created_at", ASCENDING)]

    async def digested(self, ids: Sequence[str], digest_id: str, at: datetime) -> None:
        await update_each(
            self._deliveries,
            ids,
            {"$set": {"status": "digested", "digest_id": digest_id, "updated_at": at}},
        )

    # -- digests ------------------------------------------------------------------------

    async def claim_digest(self, claim: Document) -> bool:
        """Insert the digest's claim; False when another replica (or an earlier run) has it."""
        try:
            await self._digests.insert_one(claim)
        except DuplicateKeyError:
            return False
        return True

    async def digest_claim(self, claim_id: str) -> Document | None:
        return await self._digests.find_one({"_id": claim_id})

    async def finish_digest(self, digest_id: str, fields: Document) -> None:
        await self._digests.update_one({"_id": digest_id}, {"$set": fields})

    async def digests(self, person_id: str | None, limit: int) -> list[Document]:
        query: Document = {"person_id": person_id} if person_id else {}
        cursor = self._digests.find(query).sort("claimed_at", DESCENDING).limit(limit)
        return [d async for d in cursor]


def _doc(model: Any, key: str) -> Document:
    doc: Document = model.model_dump(mode="json")
    for name, value in doc.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            doc[name] = sorted(value)  # frozensets: a stable order in the store
    doc["_id"] = doc.pop(key)
    return doc


def _fields(doc: Document, key: str) -> Document:
    return {**{k: v for k, v in doc.items() if k != "_id"}, key: doc["_id"]}


def _subscription_doc(subscription: Subscription) -> Document:
    # `when` keys are dotted paths, which a document key may not be: stored as a list
    # of {path, value}.
    doc = _doc(subscription, "name")
    doc["when"] = [{"path": path, "value": value} for path, value in doc["when"].items()]
    return doc


def _subscription(doc: Document) -> Subscription:
    fields = _fields(doc, "name")
    fields["when"] = {pair["path"]: pair["value"] for pair in fields["when"]}
    return Subscription.model_validate(fields)

"""Claims on due clocks: how several scheduler replicas share the firing without a leader.

Why claims in the store and not partitions: partition ownership through the consumer
group would tie firing to the sprg.decisions assignment (a rebalance mid-burst moves
ownership, a clock would need its partition stored), and an idle replica could not
help with a burst that sits on one partition. A claim needs only what the store
does atomically; any replica can fire any clock, and a replica that dies mid-firing
loses its claim when its lease runs out.

Why a claim *document* and not ``find_one_and_update`` on the clock: FerretDB v1
(SQLite handler) evaluates a conditional update as a find then a write, so several
connections can all "win" the same ``{_id, next_fire_at, lease free}`` condition
(measured here: 20 clocks, 4 concurrent claimers, 11 clocks won more than once).
Inserting a document with a unique ``_id`` is atomic on FerretDB and MongoDB alike,
so the claim is an insert keyed by the transition:

1. find due clocks, whole, with the indexed query ``next_fire_at <= now`` (one query
   per batch);
2. claim the batch: one ``insert_many(ordered=False)`` of
   ``{_id: "<clock>|<next_fire_at>|r<rev>|<attempt>", owner, lease_until}``. The
   key names the clock's state as read (its ``rev``), so every replica that read the
   same state races for the same key and exactly one insert wins; a duplicate key means
   another replica holds it or fired it. If it is not done and its lease expired (its
   owner died), the next ``attempt`` may be inserted: again one wins. Only transitions
   due longer ago than a lease are checked, by ``_id`` (FerretDB v1 looks nothing else
   up without scanning the collection);
3. publish each transition won (its event id is deterministic);
4. complete: write the advanced clock (conditioned on ``rev``), then insert the batch's
   ``<key>|done`` documents in one ``insert_many``. A done claim is never taken over, so
   a replica still holding an older read of the clock cannot fire it again. When the
   write finds the clock changed meanwhile (a re-anchor by the handler wins), the claim
   is deleted instead: the clock's new state is claimed under its new ``rev``.

A crash between 3 and 4 leaves the claim to expire; another replica then publishes
the same event id again, which consumers skip (their ledger). On MongoDB the ``rev``
condition is atomic; on FerretDB v1 it narrows the window to the store's own
find-then-write. Done claims stay as a ledger of what fired (small documents; a TTL
index can trim them).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from sprg_scheduler.adapters.repository import ClockRepository, Stored, from_document
from sprg_scheduler.domain.clocks import Clock
from sprg_shared.store import Document


class FiringClaims:
    def __init__(self, repo: ClockRepository, owner: str, lease: timedelta) -> None:
        self._repo = repo
        self._clocks = repo.collection
        self._claims: AsyncCollection[Document] = repo.collection.database["fire_claims"]
        self._owner = owner
        self._lease = lease
        self._attempts: dict[str, int] = {}
        """The attempt of each claim this replica holds (to drop it by ``_id``)."""

    @property
    def owner(self) -> str:
        return self._owner

    async def ensure_indexes(self) -> None:
        await self._claims.create_index([("key", ASCENDING), ("attempt", DESCENDING)])

    async def due(self, now: datetime, limit: int) -> list[tuple[str, datetime]]:
        """Clocks with a transition due, oldest first: (id, the ``next_fire_at`` read)."""
        return [
            (s.clock.clock_id, s.clock.next_fire_at)
            for s in await self.due_clocks(now, limit)
            if s.clock.next_fire_at is not None
        ]

    async def due_clocks(self, now: datetime, limit: int) -> list[Stored]:
        """Clocks with a transition due, oldest first, as stored."""
        cursor = (
            self._clocks.find({"next_fire_at": {"$lte": now}})
            .sort("next_fire_at", ASCENDING)
            .limit(limit)
        )
        return [from_document(doc) async for doc in cursor]

    async def claim(self, clock_id: str, next_fire_at: datetime, now: datetime) -> Stored | None:
        """The clock, held for ``lease``; None when another replica holds or finished it."""
        stored = await self._repo.get(clock_id)
        if stored is None or stored.clock.next_fire_at != next_fire_at:
            return None
        won = await self.claim_many([stored], now)
        return won[0] if won else None

    async def claim_many(self, candidates: list[Stored], now: datetime) -> list[Stored]:
        """The candidates this replica now holds (one round trip when nobody died)."""
        if not candidates:
            return []
        keys = [claim_key(s) for s in candidates]
        docs = [self._claim_doc(key, 0, now) for key in keys]
        lost: set[int] = set()
        try:
            await self._claims.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            lost = {int(err["index"]) for err in exc.details.get("writeErrors", [])}
        won = [s for i, s in enumerate(candidates) if i not in lost]
        for stored in won:
            self._attempts[claim_key(stored)] = 0
        # Only a transition due longer ago than a lease can hold an expired claim: the
        # others (a burst just due) were won by a live replica; no need to read them.
        stale = now - self._lease
        for i in sorted(lost):
            at = candidates[i].clock.next_fire_at
            if at is not None and at <= stale and await self._take_over(keys[i], now):
                won.append(candidates[i])
        return won

    async def _take_over(self, key: str, now: datetime) -> bool:
        """Whether this replica took over ``key`` from an owner that died (lease expired,
        not done). Every read is by ``_id`` (all FerretDB v1 can look up without a scan)."""
        if await self._claims.find_one({"_id": f"{key}|done"}) is not None:
            return False
        attempt, latest = 0, None
        while (doc := await self._claims.find_one({"_id": f"{key}|{attempt}"})) is not None:
            attempt, latest = attempt + 1, doc
        if latest is not None and latest["lease_until"] >= now:
            return False
        if await self._insert(key, attempt, now):
            self._attempts[key] = attempt
            return True
        return False

    def _claim_doc(self, key: str, attempt: int, now: datetime) -> Document:
        return {
            "_id": f"{key}|{attempt}",
            "key": key,
            "attempt": attempt,
            "owner": self._owner,
            "lease_until": now + self._lease,
        }

    async def _insert(self, key: str, attempt: int, now: datetime) -> bool:
        try:
            await self._claims.insert_one(self._claim_doc(key, attempt, now))
        except DuplicateKeyError:
            return False
        return True

    async def complete(self, clock: Clock, held: Stored) -> str | None:
        """Store the advanced clock; the claim's key to mark done, or None when the clock
        changed meanwhile (a re-anchor: the other change stands, the claim is dropped)."""
        key = claim_key(held)
        if await self._repo.replace(clock, held.rev):
            return key
        await self._drop(key)
        return None

    async def mark_done(self, keys: list[str]) -> None:
        """One insert for the batch: ``<key>|done`` documents, never taken over."""
        if not keys:
            return
        docs = [{"_id": f"{key}|done", "key": key, "owner": self._owner} for key in keys]
        with contextlib.suppress(BulkWriteError):  # done already: a repeat after a crash
            await self._claims.insert_many(docs, ordered=False)
        for key in keys:
            self._attempts.pop(key, None)

    async def release(self, held: Stored) -> None:
        """Give the claim up (firing failed): the next tick claims it again."""
        await self._drop(claim_key(held))

    async def _drop(self, key: str) -> None:
        attempt = self._attempts.pop(key, 0)
        await self._claims.delete_one({"_id": f"{key}|{attempt}"})


def claim_key(stored: Stored) -> str:
    """The transition as read: the clock, its next instant and its revision."""
    at = stored.clock.next_fire_at.isoformat() if stored.clock.next_fire_at else "-"
    return f"{stored.clock.clock_id}|{at}|r{stored.rev}"

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

1. find due clocks with the indexed query ``next_fire_at <= now``;
2. claim one: insert ``{_id: "<clock>|<next_fire_at>|<attempt>", owner, lease_until}``;
   a duplicate key means another replica holds it. If that claim's lease expired (its
   owner died), the next ``attempt`` may be inserted: again exactly one replica wins;
3. re-read the clock: if ``next_fire_at`` moved on, someone completed it: stop;
4. publish the transition (its event id is deterministic);
5. complete: write the advanced clock, then delete the transition's claims.

A crash between 4 and 5 leaves the claim to expire; another replica then publishes
the same event id again, which consumers skip (their ledger). Step 5 is conditioned
on the ``rev`` read in step 3, so a re-anchor written meanwhile by the handler wins
and the loop only drops its claim (on MongoDB that condition is atomic; on FerretDB
v1 it narrows the window to the store's own find-then-write).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from sprg_scheduler.adapters.repository import ClockRepository, Stored
from sprg_scheduler.domain.clocks import Clock
from sprg_shared.store import Document


class FiringClaims:
    def __init__(self, repo: ClockRepository, owner: str, lease: timedelta) -> None:
        self._repo = repo
        self._clocks = repo.collection
        self._claims: AsyncCollection[Document] = repo.collection.database["fire_claims"]
        self._owner = owner
        self._lease = lease

    @property
    def owner(self) -> str:
        return self._owner

    async def ensure_indexes(self) -> None:
        await self._claims.create_index([("key", ASCENDING), ("attempt", DESCENDING)])

    async def due(self, now: datetime, limit: int) -> list[tuple[str, datetime]]:
        """Clocks with a transition due, oldest first: (id, the ``next_fire_at`` read)."""
        cursor = (
            self._clocks.find({"next_fire_at": {"$lte": now}}, {"next_fire_at": 1})
            .sort("next_fire_at", ASCENDING)
            .limit(limit)
        )
        return [(str(doc["_id"]), doc["next_fire_at"]) async for doc in cursor]

    async def claim(self, clock_id: str, next_fire_at: datetime, now: datetime) -> Stored | None:
        """The clock, held for ``lease``; None when another replica holds or finished it."""
        key = f"{clock_id}|{next_fire_at.isoformat()}"
        if not await self._insert(key, 0, now):
            latest = await self._claims.find_one({"key": key}, sort=[("attempt", DESCENDING)])
            if latest is None or latest["lease_until"] >= now:
                return None
            # Its owner died (or is very late): take over, and only one replica can.
            if not await self._insert(key, int(latest["attempt"]) + 1, now):
                return None
        try:
            stored = await self._repo.get(clock_id)
        except BaseException:
            await self._drop(key)
            raise
        if stored is None or stored.clock.next_fire_at != next_fire_at:
            await self._drop(key)  # completed by the replica that held it before
            return None
        return stored

    async def _insert(self, key: str, attempt: int, now: datetime) -> bool:
        try:
            await self._claims.insert_one(
                {
                    "_id": f"{key}|{attempt}",
                    "key": key,
                    "attempt": attempt,
                    "owner": self._owner,
                    "lease_until": now + self._lease,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def complete(self, clock: Clock, rev: int, claimed_at: datetime) -> bool:
        """Store the advanced clock and drop the claim; False when the clock changed meanwhile
        (a re-anchor: the other change stands)."""
        stored = await self._repo.replace(clock, rev)
        await self.release(clock.clock_id, claimed_at)
        return stored

    async def release(self, clock_id: str, claimed_at: datetime) -> None:
        await self._drop(f"{clock_id}|{claimed_at.isoformat()}")

    async def _drop(self, key: str) -> None:
        await self._claims.delete_many({"key": key})

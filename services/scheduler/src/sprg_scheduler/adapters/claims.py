"""Claims on due clocks: how several scheduler replicas share the firing without a leader.

Why claims in the store and not partitions: partition ownership through the consumer
group would tie firing to the sprg.decisions assignment (a rebalance mid-burst moves
ownership, a clock would need its partition stored), and an idle replica could not
help with a burst that sits on one partition. A claim needs only what the store does
atomically (a conditional update of one document: MongoDB and FerretDB v2 on
PostgreSQL alike), so any replica can fire any clock, and a replica that dies
mid-firing loses its claim when its lease runs out.

The claim is a lease on the clock document itself (``lease_owner``, ``lease_until``):

1. find due clocks that nobody holds, oldest first, with the indexed query
   ``next_fire_at <= now`` (lease expired or absent): one query per batch;
2. claim the batch: one ``update_many`` with the same condition, setting this replica
   as owner for a lease, then one read of what it now owns. The condition is checked
   per document atomically, so of several replicas racing for the same clocks each
   clock goes to exactly one; a replica that lost the race reads again, and the due
   query no longer returns what others hold: the replicas share a burst batch by
   batch instead of racing for the same oldest clocks;
3. publish each transition won (its event id is deterministic);
4. complete: one ``bulk_write`` stores the advanced clocks, each conditioned on the
   ``rev`` read and on still holding the lease, and clears the lease (clocks whose
   firing changed the same fields alike, as in a burst, share one ``update_many``). A
   clock whose ``rev`` moved meanwhile (a re-anchor by the handler wins) is only
   released: its new state is claimed and fired afresh.

DocumentDB serves an ``update_many`` by ``_id: {$in}`` with a scan of the whole
collection (a find by the same filter uses the key): the batch updates also carry the
span of ``next_fire_at`` read, which its index serves (``_fire_window``), and a release
is one update by ``_id`` per clock (``sprg_shared.store.update_each``).

A crash between 3 and 4 leaves the lease to expire; another replica then publishes the
same event id again, which consumers skip (their ledger). No transaction anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import UpdateMany, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from sprg_scheduler.adapters.repository import (
    ClockRepository,
    Stored,
    changed_fields,
    from_document,
)
from sprg_scheduler.domain.clocks import Clock
from sprg_shared.store import Document, update_each


class FiringClaims:
    def __init__(self, repo: ClockRepository, owner: str, lease: timedelta) -> None:
        self._repo = repo
        self._clocks: AsyncCollection[Document] = repo.collection
        self._owner = owner
        self._lease = lease

    @property
    def owner(self) -> str:
        return self._owner

    async def ensure_indexes(self) -> None:
        """The due query's index is the repository's (``next_fire_at``)."""
        await self._repo.ensure_indexes()

    @staticmethod
    def unheld(now: datetime) -> Document:
        return {"next_fire_at": {"$lte": now}, "lease_until": {"$not": {"$gt": now}}}

    async def due(self, now: datetime, limit: int) -> list[tuple[str, datetime]]:
        """Clocks with a transition due, oldest first: (id, the ``next_fire_at`` read)."""
        return [
            (s.clock.clock_id, s.clock.next_fire_at)
            for s in await self.due_clocks(now, limit)
            if s.clock.next_fire_at is not None
        ]

    async def due_clocks(self, now: datetime, limit: int) -> list[Stored]:
        """Clocks with a transition due that no live lease holds, oldest first."""
        cursor = self._clocks.find(self.unheld(now)).sort("next_fire_at", 1).limit(limit)
        return [from_document(doc) async for doc in cursor]

    async def claim(self, clock_id: str, next_fire_at: datetime, now: datetime) -> Stored | None:
        """The clock, held for ``lease``; None when another replica holds or fired it."""
        doc = await self._clocks.find_one_and_update(
            {
                "_id": clock_id,
                "next_fire_at": {"$lte": now, "$eq": next_fire_at},
                "lease_until": {"$not": {"$gt": now}},
            },
            {"$set": {"lease_owner": self._owner, "lease_until": now + self._lease}},
            return_document=True,
        )
        return None if doc is None else from_document(doc)

    async def claim_many(self, candidates: list[Stored], now: datetime) -> list[Stored]:
        """The candidates this replica now holds, as they stand (two round trips)."""
        if not candidates:
            return []
        ids = [s.clock.clock_id for s in candidates]
        await self._clocks.update_many(
            {"_id": {"$in": ids}, **self.unheld(now), **_fire_window(candidates, now)},
            {"$set": {"lease_owner": self._owner, "lease_until": now + self._lease}},
        )
        cursor = self._clocks.find(
            {"_id": {"$in": ids}, "lease_owner": self._owner, "lease_until": {"$gt": now}}
        ).sort("next_fire_at", 1)
        return [from_document(doc) async for doc in cursor]

    async def complete(self, clock: Clock, held: Stored) -> bool:
        """Store the advanced clock and free it; False when it changed meanwhile (then
        the other change stands and the lease is dropped)."""
        return bool(await self.complete_many([(clock, held)]))

    async def complete_many(self, changes: list[tuple[Clock, Stored]]) -> list[str]:
        """Store the advanced clocks in one round trip; the ids stored. The others
        changed meanwhile: their leases are dropped so their new state fires."""
        if not changes:
            return []
        # Clocks read at the same rev whose firing changed the same fields the same way
        # (a burst: same kind, same due instant) are one update_many; conditioned on the
        # rev read, only the fields that changed need setting. One statement for a group
        # instead of one per clock inside the store.
        groups: dict[tuple[int, str], tuple[Document, list[Stored]]] = {}
        for clock, held in changes:
            before = changed_fields(held.clock)
            diff = {k: v for k, v in changed_fields(clock).items() if before.get(k) != v}
            groups.setdefault((held.rev, repr(diff)), (diff, []))[1].append(held)
        operations: list[UpdateOne | UpdateMany] = []
        for (rev, _), (diff, group) in groups.items():
            update: Document = {
                "$inc": {"rev": 1},
                "$unset": {"lease_owner": "", "lease_until": ""},
            }
            if diff:
                update["$set"] = diff
            window = _fire_window(group)
            if len(group) == 1 or not window:
                operations += [
                    UpdateOne(
                        {"_id": s.clock.clock_id, "rev": rev, "lease_owner": self._owner}, update
                    )
                    for s in group
                ]
            else:
                ids = [s.clock.clock_id for s in group]
                condition = {"_id": {"$in": ids}, "rev": rev, "lease_owner": self._owner}
                operations.append(UpdateMany({**condition, **window}, update))
        result = await self._clocks.bulk_write(operations, ordered=False)
        ids = [held.clock.clock_id for _, held in changes]
        if result.matched_count == len(changes):
            return ids
        stale = {
            doc["_id"]
            async for doc in self._clocks.find(
                {"_id": {"$in": ids}, "lease_owner": self._owner}, {"_id": 1}
            )
        }
        await self._release(sorted(stale))
        return [i for i in ids if i not in stale]

    async def release(self, held: Stored) -> None:
        """Give the claim up (firing failed): the next tick claims it again."""
        await self._release([held.clock.clock_id])

    async def _release(self, ids: list[str]) -> None:
        await update_each(
            self._clocks,
            ids,
            {"$unset": {"lease_owner": "", "lease_until": ""}},
            {"lease_owner": self._owner},
        )


def _fire_window(held: list[Stored], until: datetime | None = None) -> Document:
    """The span of ``next_fire_at`` the clocks were read at (no later than ``until``), as
    a condition; {} when one has none. It changes no outcome (each clock is also named,
    and the update conditioned on the state read), but it lets DocumentDB serve an
    ``update_many`` from the ``next_fire_at`` index: by ``_id: {$in}`` alone it reads the
    whole collection (0.5 s a batch at a million clocks; the window reads only the
    clocks due in that span)."""
    instants = [s.clock.next_fire_at for s in held]
    known = [i for i in instants if i is not None]
    if not known or len(known) < len(instants):
        return {}
    latest = max(known) if until is None else min(max(known), until)
    return {"next_fire_at": {"$gte": min(known), "$lte": latest}}

"""The store contract: what the services rely on, checked against the real store.

The same code runs on FerretDB v2 (PostgreSQL with DocumentDB: ``make test``, ``make
run``) and on MongoDB (docker-compose, the Kubernetes operator). These tests pin down
the few behaviours the code builds on, so a store that lacks one fails here, by name,
rather than as a lost or doubled reminder somewhere else:

- a unique index refuses a second document with the same key (idempotent inserts);
- ``find_one_and_update`` with ``upsert`` creates one document however many callers race;
- a conditional update of one document is atomic (the scheduler's lease and ``rev``);
- ``bulk_write`` of many upserts applies every one (reporting's read models);
- ``update_each`` changes exactly the named documents that meet its condition (the
  scheduler's claims and completions, the notifier's digests);
- arrays of arrays round-trip (a produced report's tables);
- the scheduler's due query, and an agency's list of clocks, are served by indexes, not
  a scan;
- nothing needs a multi-document transaction or a change stream (neither exists on
  FerretDB v2: writes inside ``start_transaction`` apply at once and survive an abort).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo import ASCENDING, AsyncMongoClient, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from sprg_scheduler.adapters.claims import FiringClaims
from sprg_scheduler.adapters.repository import ClockQuery, ClockRepository, to_document
from sprg_scheduler.domain import lifecycle
from sprg_shared.contracts.decisions import ClockDue
from sprg_shared.store import update_each
from tests.unit.test_scheduler_schedule import CAL, POLICY

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 4, 14, 9, tzinfo=UTC)


def clocks(count: int, first_due: datetime) -> list[dict[str, Any]]:
    """Real clock documents, the n-th falling due n minutes after ``first_due``."""
    template = to_document(
        lifecycle.start(
            "case-0",
            ClockDue(
                kind="sin_notification",
                anchor="aware_date",
                anchor_date=date(2026, 4, 6),
                due=date(2026, 4, 13),
                rule="r",
            ),
            event_id="contract",
            now=datetime(2026, 4, 1, tzinfo=UTC),
            calendar_version="contract",
            policy=POLICY,
            calendar=CAL,
        )
    )
    return [
        {
            **template,
            "_id": f"c{n:04}",
            "case_id": f"case-{n}",
            "rev": 0,
            "next_fire_at": first_due + timedelta(minutes=n),
        }
        for n in range(count)
    ]


def index_names(plan: Any) -> set[str]:
    """Every index an explain output names (PostgreSQL's "Index Name", MongoDB's
    "indexName"), wherever it is nested."""
    found: set[str] = set()
    if isinstance(plan, dict):
        for key, value in plan.items():
            if key in {"Index Name", "indexName"} and isinstance(value, str):
                found.add(value)
            else:
                found |= index_names(value)
    elif isinstance(plan, list):
        for item in plan:
            found |= index_names(item)
    return found


async def test_a_unique_index_refuses_a_second_document_with_the_same_key(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    col = mongo[f"t{run_id}_contract"]["things"]
    await col.create_index([("key", ASCENDING)], unique=True)
    await col.insert_one({"_id": 1, "key": "a"})
    with pytest.raises(DuplicateKeyError):
        await col.insert_one({"_id": 2, "key": "a"})
    with pytest.raises(DuplicateKeyError):
        await col.insert_one({"_id": 1, "key": "b"})
    assert [d["_id"] async for d in col.find({})] == [1]


async def test_racing_upserts_through_find_one_and_update_make_one_document(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    col = mongo[f"t{run_id}_contract"]["counters"]

    async def bump() -> dict[str, Any] | None:
        return await col.find_one_and_update(
            {"_id": "digest:2026-04-14"},
            {"$inc": {"n": 1}, "$setOnInsert": {"created": NOW}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )

    results = await asyncio.gather(*(bump() for _ in range(20)), return_exceptions=True)
    # A racing upsert may lose with a duplicate key (MongoDB documents it); never a second doc.
    assert all(r is None or isinstance(r, (dict, DuplicateKeyError)) for r in results), results
    docs = [d async for d in col.find({})]
    assert len(docs) == 1
    assert docs[0]["n"] == sum(1 for r in results if isinstance(r, dict))


async def test_a_conditional_update_goes_to_exactly_one_of_many_racing_claimers(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    col = mongo[f"t{run_id}_contract"]["leases"]
    await col.insert_many([{"_id": n, "rev": 0} for n in range(20)])

    async def claim(owner: str, n: int) -> bool:
        result = await col.update_one(
            {"_id": n, "owner": {"$exists": False}}, {"$set": {"owner": owner}, "$inc": {"rev": 1}}
        )
        return result.modified_count == 1

    owners = [f"o{i}" for i in range(6)]
    won = await asyncio.gather(*(claim(o, n) for n in range(20) for o in owners))
    assert sum(won) == 20  # each document won once, by one owner
    assert {d["rev"] async for d in col.find({})} == {1}


async def test_bulk_write_applies_every_upsert_of_a_large_batch(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    col = mongo[f"t{run_id}_contract"]["counts"]
    operations = [
        UpdateOne({"_id": f"k{n % 250}"}, {"$inc": {"n": 1}}, upsert=True) for n in range(1000)
    ]
    result = await col.bulk_write(operations, ordered=True)
    assert result.upserted_count == 250
    assert result.modified_count == 750
    assert {d["n"] async for d in col.find({})} == {4}
    assert await col.count_documents({}) == 250


async def test_update_each_changes_exactly_the_named_documents_that_meet_its_condition(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    col = mongo[f"t{run_id}_contract"]["named"]
    await col.insert_many(
        [{"_id": f"d{n:04}", "owner": "a" if n % 2 else "b"} for n in range(2000)]
    )
    named = [f"d{n:04}" for n in range(0, 2000, 7)] + ["d9999"]  # one that does not exist

    matched = await update_each(col, named, {"$set": {"seen": True}}, {"owner": "a"})

    expected = {f"d{n:04}" for n in range(0, 2000, 7) if n % 2}
    assert matched == len(expected)
    assert {d["_id"] async for d in col.find({"seen": True})} == expected
    assert await update_each(col, [], {"$set": {"seen": False}}) == 0
    assert await col.count_documents({"seen": True}) == len(expected)


async def test_the_scheduler_due_query_is_served_by_its_index(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    db = mongo[f"t{run_id}_contract"]
    repo = ClockRepository(db)
    await repo.ensure_indexes()
    await db["clocks"].insert_many(clocks(3000, NOW - timedelta(minutes=100)))
    claims = FiringClaims(repo, "contract", timedelta(seconds=30))
    due = await claims.due(NOW, 500)
    assert [c for c, _ in due] == [f"c{n:04}" for n in range(101)]  # oldest first, up to NOW

    query = {"find": "clocks", "filter": claims.unheld(NOW), "sort": {"next_fire_at": 1}}
    plan = await db.command("explain", {**query, "limit": 500})
    assert "next_fire_at_1" in index_names(plan), plan


async def test_an_agencys_clock_list_is_served_by_indexes(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    """What concerns an agency is its cases or its requests' and actions' keys: an ``$or``
    that reads every clock unless both branches have an index."""
    db = mongo[f"t{run_id}_contract"]
    repo = ClockRepository(db)
    await repo.ensure_indexes()
    documents = clocks(3000, NOW)
    for n, doc in enumerate(documents[:1000]):
        doc["key"] = f"request-{n}"
    await db["clocks"].insert_many(documents)
    within = frozenset({"case-2500", "case-2501", "request-7"})
    query = ClockQuery(within=within, state="open", today=NOW.date())

    found = await repo.find(query, limit=100)

    assert sorted(c.clock_id for c in found) == ["c0007", "c2500", "c2501"]
    plan = await db.command("explain", {"find": "clocks", "filter": query.to_filter()})
    assert {"case_id_1", "key_1"} <= index_names(plan), plan


async def test_replicas_claiming_the_same_due_clocks_share_them_without_overlap(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    db = mongo[f"t{run_id}_contract"]
    repo = ClockRepository(db)
    await repo.ensure_indexes()
    await db["clocks"].insert_many(clocks(300, NOW - timedelta(minutes=300)))
    replicas = [FiringClaims(repo, f"r{i}", timedelta(seconds=30)) for i in range(3)]

    async def take(claims: FiringClaims) -> list[str]:
        held: list[str] = []
        while due := await claims.due_clocks(NOW, 50):
            held += [s.clock.clock_id for s in await claims.claim_many(due, NOW)]
        return held

    taken = await asyncio.gather(*(take(r) for r in replicas))
    every = [c for held in taken for c in held]
    assert sorted(every) == [f"c{n:04}" for n in range(300)]  # each clock held exactly once
    assert await db["clocks"].count_documents({"lease_owner": {"$exists": True}}) == 300


async def test_nested_arrays_and_dotted_free_documents_round_trip(
    mongo: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    """Reporting keeps a produced report as a document whose tables are arrays of rows."""
    col = mongo[f"t{run_id}_contract"]["reports"]
    report = {"_id": "r1", "tables": [{"rows": [["Croydon", 3, None], ["Sutton", 0, 1.5]]}]}
    await col.insert_one(report)
    assert await col.find_one({"_id": "r1"}) == report


def test_no_code_relies_on_transactions_or_change_streams() -> None:
    """FerretDB v2 has neither (a write inside start_transaction survives the abort)."""
    pattern = re.compile(r"start_transaction|with_transaction|start_session|\.watch\(")
    offenders = [
        f"{path.relative_to(REPO)}:{n}"
        for root in ("shared/src", "services", "cli/src")
        for path in (REPO / root).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []

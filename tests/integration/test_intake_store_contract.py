"""Intake's store adapter (MongoDB protocol, the real store) held to the store contract."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sprg_intake.adapters.repository import PENDING_OUTBOX, CaseRepository
from tests.intake_store_contract import CaseStoreContract


class TestMongoCaseStore(CaseStoreContract):
    @pytest.fixture
    async def store(self, mongo: Any, run_id: str) -> AsyncIterator[CaseRepository]:
        db = mongo[f"intake_contract_{run_id}"]
        repo = CaseRepository(db)
        await repo.ensure_indexes()
        yield repo
        await mongo.drop_database(db.name)


async def test_every_query_the_lists_make_is_served_by_an_index(mongo: Any, run_id: str) -> None:
    """What ``find_records`` asks of the store, for the lists of actions and information
    requests, the store's planner answers from an index, never by reading every record."""
    db = mongo[f"intake_indexes_{run_id}"]
    repo = CaseRepository(db)
    await repo.ensure_indexes()
    try:
        await db["records"].insert_many(
            [
                {
                    "_id": f"r{n}",
                    "kind": "information_request" if n % 2 else "action",
                    "subject_id": f"s{n}",
                    "created_at": n,
                    "facts": {
                        "agency": f"a{n % 7}",
                        "owner_agency": f"a{n % 5}",
                        "due_date": f"2026-05-{n % 28 + 1:02d}",
                        "reference": f"R-{n}",
                        "source_id": f"s{n % 9}",
                        "source_reference": f"S-{n % 9}",
                    },
                }
                for n in range(400)
            ]
        )
        queries = {
            "every request": {"kind": {"$in": ["information_request"]}},
            "an agency's requests, due by": {
                "kind": {"$in": ["information_request"]},
                "facts.agency": {"$in": ["a3"]},
                "facts.due_date": {"$lte": "2026-05-10"},
            },
            "a case's requests": {
                "kind": {"$in": ["information_request"]},
                "$or": [{"subject_id": {"$in": ["s3"]}}, {"facts.reference": {"$in": ["s3"]}}],
            },
            "returns to requests": {"kind": {"$in": ["return"]}, "subject_id": {"$in": ["r1"]}},
            "an agency's actions": {
                "kind": {"$in": ["action", "action_update"]},
                "facts.owner_agency": {"$in": ["a2"]},
            },
            "a source's actions": {
                "kind": {"$in": ["action", "action_update"]},
                "$or": [
                    {"facts.source_id": {"$in": ["S-1"]}},
                    {"subject_id": {"$in": ["S-1"]}},
                    {"facts.source_reference": {"$in": ["S-1"]}},
                    {"facts.reference": {"$in": ["S-1"]}},
                ],
            },
        }
        for name, query in queries.items():
            plan = await db.command("explain", {"find": "records", "filter": query})
            text = json.dumps(plan, default=str)
            assert "COLLSCAN" not in text and "Seq Scan" not in text, (name, text[:3000])
            assert "IXSCAN" in text or "Index" in text, (name, text[:3000])
    finally:
        await mongo.drop_database(db.name)


async def test_every_query_the_list_of_cases_makes_is_served_by_an_index(
    mongo: Any, run_id: str
) -> None:
    """What ``find_cases`` asks of the store (every case newest first, an agency's, one by
    its id or reference, those reported between two days) is answered from an index."""
    db = mongo[f"intake_case_indexes_{run_id}"]
    repo = CaseRepository(db)
    await repo.ensure_indexes()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        await db["cases"].insert_many(
            [
                {
                    "_id": f"c{n}",
                    "reference": f"SIN-2026-{n:04d}",
                    "agency": f"a{n % 7}",
                    "created_at": start + timedelta(hours=n),
                    "facts": {"aware_date": "2026-01-01"},
                }
                for n in range(400)
            ]
        )
        day = start + timedelta(days=3)
        queries = {
            "every case": {},
            "an agency's cases": {"agency": "a3"},
            "a case by id or reference": {
                "$or": [
                    {"_id": {"$in": ["SIN-2026-0007"]}},
                    {"reference": {"$in": ["SIN-2026-0007"]}},
                ]
            },
            "reported between": {"created_at": {"$gte": day, "$lt": day + timedelta(days=2)}},
            "an agency's, reported from": {"agency": "a2", "created_at": {"$gte": day}},
        }
        for name, query in queries.items():
            find = {"find": "cases", "filter": query, "sort": {"created_at": -1}}
            plan = await db.command("explain", find)
            text = json.dumps(plan, default=str)
            assert "COLLSCAN" not in text and "Seq Scan" not in text, (name, text[:3000])
            assert "IXSCAN" in text or "Index" in text, (name, text[:3000])
        found = await repo.find_cases(agency="a3", reported_from=day)
        assert found and all(c["agency"] == "a3" and c["created_at"] >= day for c in found)
    finally:
        await mongo.drop_database(db.name)


async def test_the_relay_reads_only_the_documents_with_events_to_publish(
    mongo: Any, run_id: str
) -> None:
    """Every case keeps its (emptied) outbox list once published, so a relay query that
    reads all of them grows with every case ever reported. The relay's question is
    answered from the index alone: no filter is applied after it."""
    db = mongo[f"intake_outbox_index_{run_id}"]
    repo = CaseRepository(db)
    await repo.ensure_indexes()
    try:
        published = [{"_id": f"c{n}", "outbox": {}, "outbox_pending": []} for n in range(300)]
        pending = [{"_id": f"p{n}", "outbox": {}, "outbox_pending": [f"e{n}"]} for n in range(2)]
        await db["cases"].insert_many(published + pending)
        found = await repo.with_pending_outbox(100)
        assert sorted(d["_id"] for d in found) == ["p0", "p1"]
        plan = await db.command("explain", {"find": "cases", "filter": PENDING_OUTBOX})
        text = json.dumps(plan["queryPlanner"], default=str)  # not the command it echoes
        assert "Seq Scan" not in text and "COLLSCAN" not in text, text[:3000]
        assert "Index" in text or "IXSCAN" in text, text[:3000]
        # DocumentDB's post-index "Filter"; MongoDB's FETCH stage "filter"
        assert '"Filter"' not in text and '"filter": {"outbox' not in text, text[:3000]
    finally:
        await mongo.drop_database(db.name)

"""Intake's store adapter (MongoDB protocol, the real store) held to the store contract."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from sprg_intake.adapters.repository import CaseRepository
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

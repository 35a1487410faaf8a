"""Intake's lists of actions and information requests against the real store, at scale.

    eval "$(deploy/local/infra.sh env)"   # MONGODB_URL of a running store
    .venv/bin/python bench/intake_lists.py [--actions 10000] [--requests 10000] [--runs 20]

Writes records shaped as intake writes them (an action, a third of them updated; a
request to one of seven agencies, half of them returned; each with its seal) into a fresh
database, then times ``handlers.listings`` (the store's indexed query, the fold, the order,
the page of 50) as the Business Team and as one agency, and prints p50/p95 of the wall time
per list and the median CPU time of this process (the rest is the store's work and the
wait for a core). The HTTP layer is not in the figure. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pymongo import AsyncMongoClient

from sprg_intake.adapters.crypto import Sealer, fingerprint
from sprg_intake.adapters.memory import InMemoryPublisher
from sprg_intake.adapters.outbox import OutboxRelay
from sprg_intake.adapters.repository import CaseRepository
from sprg_intake.handlers import listings
from sprg_intake.handlers.incident import IntakeDeps
from sprg_intake.handlers.recording import grant_of
from sprg_shared.auth import Principal, Role

AGENCIES = [f"agency-{n}" for n in range(7)]
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
TEAM = Principal(subject="bt", agency="cscp", roles=frozenset({Role.BUSINESS_TEAM}))
ONE = Principal(subject="p", agency="agency-3", roles=frozenset({Role.AGENCY_SUBMITTER}))


def _record(
    deps: IntakeDeps, rid: str, kind: str, subject: str, facts: dict[str, Any], n: int
) -> dict[str, Any]:
    return {
        "_id": rid,
        "kind": kind,
        "subject_id": subject,
        "seq": 0,
        "agency": "cscp",
        "created_by": "bt",
        "created_by_agency": "cscp",
        "created_at": NOW - timedelta(seconds=n),
        "idem": None,
        "facts": facts,
        "sealed": deps.sealer.seal(
            json.dumps({"description": "x"}).encode(),
            case_id=rid,
            agency=grant_of("cscp", facts),
        ),
        "result": {},
        "outbox": {},
        "outbox_pending": [],
    }


def _due(n: int) -> str:
    return (date(2026, 10, 1) + timedelta(days=n % 150)).isoformat()


async def seed(deps: IntakeDeps, db: Any, actions: int, requests: int) -> None:
    docs = []
    for n in range(actions):
        facts = {
            "action_id": f"a{n}",
            "reference": f"ACT-2026-{n:08d}",
            "source_id": f"case-{n % 3000}",
            "source_reference": f"SIN-2026-{n % 3000:08d}",
            "owner_agency": AGENCIES[n % 7],
            "owner_role": "Lead",
            "due_date": _due(n),
            "status": "open",
            "updated_date": "2026-10-01",
        }
        docs.append(_record(deps, f"a{n}", "action", f"a{n}", facts, n))
        if n % 3 == 0:
            update = {**facts, "status": "done", "updated_date": "2026-11-01"}
            docs.append(_record(deps, f"a{n}:u", "action_update", f"a{n}", update, n))
    for n in range(requests):
        facts = {
            "request_id": f"q{n}",
            "case_id": f"case-{n % 3000}",
            "reference": f"SIN-2026-{n % 3000:08d}",
            "agency": AGENCIES[n % 7],
            "kind": "imr",
            "requested_date": "2026-09-01",
            "due_date": _due(n),
        }
        docs.append(_record(deps, f"q{n}", "information_request", f"case-{n % 3000}", facts, n))
        if n % 2 == 0:
            came = {
                "agency": AGENCIES[n % 7],
                "received_date": "2026-11-02",
                "documents_stored": [],
            }
            docs.append(_record(deps, f"q{n}:return:1", "return", f"q{n}", came, n))
    for start in range(0, len(docs), 2000):
        await db["records"].insert_many(docs[start : start + 2000])


async def timed(runs: int, call: Callable[[], Awaitable[dict[str, Any]]]) -> str:
    await call()  # warm
    times, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        page = await call()
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    p95 = statistics.quantiles(times, n=20)[18]
    return (
        f"p50={statistics.median(times):.0f}ms p95={p95:.0f}ms"
        f" cpu_p50={statistics.median(cpu):.0f}ms total={page['total']}"
    )


async def main(actions: int, requests: int, runs: int) -> None:
    client: AsyncMongoClient[Any] = AsyncMongoClient(os.environ["MONGODB_URL"])
    db = client[f"bench_lists_{os.getpid()}"]
    key = base64.b64encode(os.urandom(32)).decode()
    repo = CaseRepository(db)
    deps = IntakeDeps(
        repo=repo,
        sealer=Sealer(key, "k1"),
        fingerprint=partial(fingerprint, key),
        relay=OutboxRelay(repo, InMemoryPublisher(), poll_seconds=1),
        source="sprg/intake",
        now=lambda: NOW,
    )
    try:
        await repo.ensure_indexes()
        began = time.perf_counter()
        await seed(deps, db, actions, requests)
        print(f"seeded actions={actions} requests={requests} in {time.perf_counter() - began:.1f}s")
        q = listings.ListQuery
        cases: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
            "actions, Business Team, all": lambda: listings.list_actions(TEAM, deps, q()),
            "actions, Business Team, overdue": lambda: listings.list_actions(
                TEAM, deps, q(status="overdue")
            ),
            "actions, one agency": lambda: listings.list_actions(ONE, deps, q()),
            "actions, by a case's reference": lambda: listings.list_actions(
                TEAM, deps, q(case="SIN-2026-00000042")
            ),
            "requests, Business Team, all": lambda: listings.list_information_requests(
                TEAM, deps, q()
            ),
            "requests, one agency, open": lambda: listings.list_information_requests(
                ONE, deps, q(status="open")
            ),
            "requests, due in November": lambda: listings.list_information_requests(
                TEAM, deps, q(due_after=date(2026, 11, 1), due_before=date(2026, 11, 30))
            ),
        }
        for name, call in cases.items():
            print(f"{name}: {await timed(runs, call)}")
        print(f"load={os.getloadavg()[0]:.1f}")
    finally:
        await client.drop_database(db.name)
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.actions, args.requests, args.runs))

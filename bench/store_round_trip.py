"""What one store round trip costs in CPU: the client's, FerretDB's and PostgreSQL's.

    eval "$(deploy/local/infra.sh env)"          # or the test servers' env
    .venv/bin/python bench/store_round_trip.py [--calls 2000]

Runs each operation ``--calls`` times, one after the other, through PyMongo's async client
as the services use it (the ledger's read and write of one event id, a find by ``_id``,
a ping), and reads the CPU time of this process, of every FerretDB process and of
every PostgreSQL process from ``/proc`` before and after. Run it on otherwise idle
servers: anything else they do is counted too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pipeline import component_of, cpu_of
from pymongo import AsyncMongoClient

from sprg_shared.store import AppliedLedger


def cpu_seconds(component: str) -> float:
    """CPU seconds so far of every process of ``component`` ("ferretdb", "postgresql"),
    read as the pipeline benchmark reads them."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if component_of(cmdline) == component:
            total += cpu_of(int(entry.name))
    return total


async def main(calls: int) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        os.environ["MONGODB_URL"], tz_aware=True
    )
    name = f"bench_rtt_{uuid.uuid4().hex[:8]}"
    db = client[name]
    ledger = AppliedLedger(db, "bench")
    await ledger.mark_many({"warm": "t"})
    operations: list[tuple[str, Callable[[int], Awaitable[object]]]] = [
        ("the ledger's read of one event id", lambda i: ledger.seen_among([f"e{i}"])),
        ("the ledger's write of one event id", lambda i: ledger.mark_many({f"e{i}": "t"})),
        ("find_one by _id", lambda i: db["applied_events"].find_one({"_id": f"bench:e{i}"})),
        ("ping", lambda i: db.command("ping")),
    ]
    results = []
    try:
        for label, operation in operations:
            ferretdb, postgres = cpu_seconds("ferretdb"), cpu_seconds("postgresql")
            own, started = time.process_time(), time.perf_counter()
            for i in range(calls):
                await operation(i)
            results.append(
                {
                    "operation": label,
                    "calls": calls,
                    "wall_ms": round((time.perf_counter() - started) / calls * 1e3, 3),
                    "client_cpu_ms": round((time.process_time() - own) / calls * 1e3, 3),
                    "ferretdb_cpu_ms": round((cpu_seconds("ferretdb") - ferretdb) / calls * 1e3, 3),
                    "postgres_cpu_ms": round(
                        (cpu_seconds("postgresql") - postgres) / calls * 1e3, 3
                    ),
                }
            )
    finally:
        await client.drop_database(name)
        await client.close()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    for line in asyncio.run(main(parser.parse_args().calls)):
        print(line)

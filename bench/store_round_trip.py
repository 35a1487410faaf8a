"""What one store round trip costs in CPU: the client's, FerretDB's and PostgreSQL's.

    eval "$(deploy/local/infra.sh env)"          # or the test servers' env
    .venv/bin/python bench/store_round_trip.py [--calls 2000]

Runs each operation ``--calls`` times, one after the other, through PyMongo's async client
as the services use it (the ledger's read and write of one event id, a find by ``_id``,
a ping), and reads the CPU time of this process, of every ``ferretdb`` process and of
every ``postgres`` process from ``/proc`` before and after. Run it on otherwise idle
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

from pymongo import AsyncMongoClient

from sprg_shared.store import AppliedLedger

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(prefix: str) -> float:
    """User and system CPU of every process whose name starts with ``prefix``."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        if name.startswith(prefix):
            fields = text[text.rindex(")") + 2 :].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
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
            ferretdb, postgres = cpu_seconds("ferretdb"), cpu_seconds("postgres")
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
                    "postgres_cpu_ms": round((cpu_seconds("postgres") - postgres) / calls * 1e3, 3),
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

"""Scheduler firing benchmark: many pending clocks in the store, a burst falling due at once.

    .venv/bin/python bench/scheduler_burst.py --pending 1000000 --burst 10000 --replicas 3

Needs KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL (deploy/local/infra.sh env); with
SPRG_LOCAL_DIR (or --local-dir) it also samples the resident memory of that directory's
FerretDB and PostgreSQL. Stores the pending clocks with insert_many into a fresh database,
makes ``--burst`` of them due at the same instant, then starts ``--replicas`` scheduler
replicas, each a process of its own with its own producer and store client running the
service's firing loop, on a fake clock that says the burst is due at the instant they
start. Each fires until nothing is left unclaimed; then the events on a topic of the
benchmark's own are counted: every transition must appear exactly once. Prints the
figures as one JSON line.

A clock's lateness is the wall time from that instant to the broker's acknowledgement of
its event (the first one, if it was published again); the target is each within a
second. A deployed scheduler adds up to its tick interval on top.

Figures (FerretDB v1 before, FerretDB v2 after): bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_scheduler.adapters.claims import FiringClaims
from sprg_scheduler.adapters.repository import ClockRepository, Stored, to_document
from sprg_scheduler.domain import lifecycle
from sprg_scheduler.domain.clocks import Clock, clock_id_for
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_scheduler.handlers.firing import FiringConfig, FiringLoop
from sprg_shared.bus import Producer
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.decisions import ClockDue
from sprg_shared.envelope import Envelope, EventData, envelope_for
from sprg_shared.metrics import bus_metrics

CAL, POLICY = WorkingDayCalendar(), ReminderPolicy()
START = datetime(2026, 4, 1, tzinfo=UTC)
BURST_DUE, LATER_DUE = date(2026, 4, 13), date(2027, 6, 30)
FIRE_AT = POLICY.instant(BURST_DUE + timedelta(days=1), POLICY.breach_hour)  # every burst breach
LOAD_BATCH = 5000


def read_to_end(bootstrap: str, topic: str) -> list[Envelope]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        seen: list[Envelope] = []
        while any(consumer.position(p) < ends[p] for p in partitions):
            for records in consumer.poll(timeout_ms=500).values():
                seen.extend(Envelope.from_bytes(r.value) for r in records)
        return seen
    finally:
        consumer.close()


def quantile(ordered: list[float], q: float) -> float | None:
    """The nearest-rank quantile of sorted values (None when there are none)."""
    if not ordered:
        return None
    return round(ordered[max(0, min(len(ordered), math.ceil(q * len(ordered))) - 1)], 3)


def rss_mb(pid: int) -> float:
    """A process's resident memory now (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class StoreMemory(threading.Thread):
    """Samples FerretDB's RSS and PostgreSQL's (postmaster and backends summed: their
    shared buffers are counted once per process, so this is an upper bound) every 0.5 s."""

    def __init__(self, local_dir: Path | None) -> None:
        super().__init__(daemon=True)
        self.peak = {"ferretdb_mb": 0.0, "postgresql_sum_mb": 0.0, "postgresql_processes": 0}
        self._done = threading.Event()
        self._ferretdb = self._pg = None
        if local_dir is not None:
            with_pid = local_dir / "run" / "ferretdb.pid"
            postmaster = local_dir / "data" / "postgresql" / "postmaster.pid"
            self._ferretdb = int(with_pid.read_text()) if with_pid.exists() else None
            self._pg = int(postmaster.read_text().split()[0]) if postmaster.exists() else None

    def run(self) -> None:
        while not self._done.wait(0.5):
            if self._ferretdb:
                self.peak["ferretdb_mb"] = max(self.peak["ferretdb_mb"], rss_mb(self._ferretdb))
            if self._pg:
                pids = [self._pg, *children(self._pg)]
                total = sum(rss_mb(p) for p in pids)
                if total > self.peak["postgresql_sum_mb"]:
                    self.peak["postgresql_sum_mb"] = total
                    self.peak["postgresql_processes"] = len(pids)

    def stop(self) -> dict[str, float]:
        self._done.set()
        self.join()
        return {k: round(v, 1) for k, v in self.peak.items()}


class TimedClaims(FiringClaims):
    """The service's claims, with the wall time spent in each store step added up."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seconds: dict[str, float] = {"due_query": 0.0, "claim": 0.0, "complete": 0.0}
        self.first: dict[str, float] = {}

    async def due_clocks(self, now: datetime, limit: int) -> list[Stored]:
        started = time.perf_counter()
        try:
            return await super().due_clocks(now, limit)
        finally:
            self.seconds["due_query"] += time.perf_counter() - started
            self.first.setdefault("due_query", time.time())

    async def claim_many(self, candidates: list[Stored], now: datetime) -> list[Stored]:
        started = time.perf_counter()
        try:
            return await super().claim_many(candidates, now)
        finally:
            self.seconds["claim"] += time.perf_counter() - started
            self.first.setdefault("claim", time.time())

    async def complete_many(self, changes: list[tuple[Clock, Stored]]) -> list[str]:
        started = time.perf_counter()
        try:
            return await super().complete_many(changes)
        finally:
            self.seconds["complete"] += time.perf_counter() - started


async def replica(index: int, run: str, topic: str, concurrency: int, batch: int) -> dict[str, Any]:
    """One scheduler replica: the service's firing loop with its own producer and client."""
    kafka, mongo_url = os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URL"]
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url, tz_aware=True)
    repo = ClockRepository(client[f"bench_{run}"])
    producer = Producer(kafka, f"bench-{run}-{index}", bus_metrics(CollectorRegistry(), "bench"))
    acked: dict[str, float] = {}
    start_at = 0.0

    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        envelope = envelope_for(event, source="sprg/bench", event_id=event_id)
        await producer.publish(topic, envelope)
        acked.setdefault(event_id, time.time() - start_at)
        return envelope

    claims = TimedClaims(repo, f"bench-{run}-{index}", timedelta(seconds=30))
    loop = FiringLoop(
        repo=repo,
        claims=claims,
        publish=publish,
        now=lambda: FIRE_AT,
        policy=POLICY,
        calendar=CAL,
        config=FiringConfig(batch_size=batch, concurrency=concurrency),
    )
    await client.admin.command("ping")  # connected before the start
    producer.warm(topic)  # as a running scheduler's producer is
    print("ready", flush=True)  # then wait for the instant the burst is due, on stdin
    start_at = float(await asyncio.to_thread(sys.stdin.readline))
    await asyncio.sleep(max(0.0, start_at - time.time()))
    published = 0
    while True:
        published += await loop.tick()
        if not await claims.due_clocks(FIRE_AT, 1):
            break
    finished = time.time() - start_at
    producer.close()
    await client.close()
    return {
        "published": published,
        "finished_seconds": round(finished, 2),
        "rss_mb": round(rss_mb(os.getpid()), 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "store_seconds": {k: round(v, 2) for k, v in claims.seconds.items()},
        "cpu_seconds": round(sum(os.times()[:2]), 2),
        "first_done": {k: round(v - start_at, 3) for k, v in claims.first.items()},
        "acked": acked,
    }


async def load(run: str, pending: int, burst: int, load_concurrency: int) -> float:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        os.environ["MONGODB_URL"], tz_aware=True
    )
    db = client[f"bench_{run}"]
    await ClockRepository(db).ensure_indexes()

    def document(n: int) -> dict[str, object]:
        due = BURST_DUE if n < burst else LATER_DUE
        clock = lifecycle.start(
            f"bench-{run}-{n}",
            ClockDue(
                kind="sin_notification",
                anchor="aware_date",
                anchor_date=due - timedelta(days=7),
                due=due,
                rule="r",
            ),
            event_id="bench",
            now=START,
            calendar_version="bench",
            policy=POLICY,
            calendar=CAL,
        )
        return {**to_document(clock), "rev": 0}

    # Building each clock through the domain costs about 0.5 ms: at a million that is
    # minutes of CPU before the store sees anything. The clocks differ only by case (and
    # so by id), so two templates are built and copied, checked against the domain's.
    templates = {True: document(0), False: document(burst)}  # keyed by "in the burst"

    def copied(n: int) -> dict[str, object]:
        case_id = f"bench-{run}-{n}"
        template = templates[n < burst]
        return {**template, "case_id": case_id, "_id": clock_id_for(case_id, "sin_notification")}

    for n in {0, burst - 1, burst, pending - 1}:
        assert not 0 <= n < pending or copied(n) == document(n), n

    async def one(offset: int) -> None:
        async with loading:
            docs = [copied(n) for n in range(offset, min(pending, offset + LOAD_BATCH))]
            await db["clocks"].insert_many(docs, ordered=False)

    loading = asyncio.Semaphore(load_concurrency)
    started = time.perf_counter()
    # The burst last, so that it is not simply the first rows PostgreSQL finds.
    await asyncio.gather(*(one(offset) for offset in reversed(range(0, pending, LOAD_BATCH))))
    stored = time.perf_counter() - started
    await client.close()
    return stored


def main(args: argparse.Namespace) -> dict[str, object]:
    run = uuid.uuid4().hex[:8]
    kafka = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"bench.clocks.{run}"
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    admin.create_topics([NewTopic(topic, 3, 1)])
    admin.close()
    stored_seconds = asyncio.run(load(run, args.pending, args.burst, args.load_concurrency))

    local = args.local_dir or os.environ.get("SPRG_LOCAL_DIR")
    memory = StoreMemory(Path(local) if local else None)
    memory.start()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--replica",
                str(i),
                "--run",
                run,
                "--concurrency",
                str(args.concurrency),
                "--batch",
                str(args.batch),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(args.replicas)
    ]
    for proc in procs:  # every replica imported, connected and waiting
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    start_at = time.time() + 0.2  # the burst falls due then, for all of them
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(f"{start_at!r}\n")
        proc.stdin.flush()
    load_before = os.getloadavg()
    outputs = [json.loads(p.communicate()[0]) for p in procs]
    load_after = os.getloadavg()
    store_memory = memory.stop()
    fired_seconds = max(o["finished_seconds"] for o in outputs)

    first_ack: dict[str, float] = {}
    for out in outputs:
        for event_id, at in out["acked"].items():
            first_ack[event_id] = min(at, first_ack.get(event_id, at))
    lateness = sorted(first_ack.values())
    events = read_to_end(kafka, topic)
    per_id = Counter(e.id for e in events)

    async def drop() -> None:
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(os.environ["MONGODB_URL"])
        await client.drop_database(f"bench_{run}")
        await client.close()

    asyncio.run(drop())
    return {
        "pending_clocks": args.pending,
        "burst": args.burst,
        "replicas": args.replicas,
        "batch": args.batch,
        "concurrency_per_replica": args.concurrency,
        "store_seconds": round(stored_seconds, 1),
        "burst_fired_seconds": round(fired_seconds, 2),
        "transitions_per_second": round(args.burst / fired_seconds, 1),
        "published_by_replica": [o["published"] for o in outputs],
        "events_on_topic": len(events),
        "distinct_event_ids": len(per_id),
        "exactly_once": len(events) == len(per_id) == args.burst,
        "lateness_min_seconds": quantile(lateness, 0.0),
        "lateness_p50_seconds": quantile(lateness, 0.5),
        "lateness_p99_seconds": quantile(lateness, 0.99),
        "lateness_max_seconds": quantile(lateness, 1.0),
        "fired_within_1s": sum(1 for t in lateness if t <= 1.0),
        "replica_store_seconds": [o["store_seconds"] for o in outputs],
        "replica_cpu_seconds": [o["cpu_seconds"] for o in outputs],
        "replica_first_done": [o["first_done"] for o in outputs],
        "replica_rss_mb": [o["rss_mb"] for o in outputs],
        "replica_max_rss_mb": [o["max_rss_mb"] for o in outputs],
        "store_peak_rss": store_memory,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pending", type=int, default=20_000)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500, help="clocks claimed per round trip")
    parser.add_argument("--concurrency", type=int, default=64, help="publishes in flight")
    parser.add_argument(
        "--load-concurrency", type=int, default=2, help="insert_many batches in flight"
    )
    parser.add_argument("--local-dir", help="infra.sh's SPRG_LOCAL_DIR (store memory)")
    parser.add_argument("--replica", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replica is not None:
        result = asyncio.run(
            replica(
                args.replica,
                args.run,
                f"bench.clocks.{args.run}",
                args.concurrency,
                args.batch,
            )
        )
        print(json.dumps(result))
    else:
        print(json.dumps(main(args)))

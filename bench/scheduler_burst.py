"""Scheduler firing benchmark: many pending clocks in the store, a burst falling due at once.

    .venv/bin/python bench/scheduler_burst.py --pending 20000 --burst 500 --replicas 2

Needs KAFKA_BOOTSTRAP_SERVERS and MONGODB_URL (deploy/local/infra.sh env). Stores the
pending clocks with insert_many into a fresh database, makes ``--burst`` of them due at
the same instant, runs ``--replicas`` firing loops (distinct owners, one store) on a
fake clock until nothing is left, then counts the events on a topic of its own:
every transition must appear exactly once. Prints the figures as one JSON line.

Every burst clock falls due at the instant the firing loops start (the fake clock
says so), so a clock's lateness is the wall time from that start to the broker's
acknowledgement of its event (the first one, if it was published again); the target is
each within a second. A deployed scheduler adds up to its tick interval on top.

Figures, before and after batching the claims and keeping every FerretDB access by
``_id``, and why the issue's target is out of reach on FerretDB v1 with SQLite (it
pushes only ``_id`` equality down, so the due query scans every clock): bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_scheduler.adapters.claims import FiringClaims
from sprg_scheduler.adapters.repository import ClockRepository, to_document
from sprg_scheduler.domain import lifecycle
from sprg_scheduler.domain.clocks import clock_id_for
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_scheduler.firing import FiringConfig, FiringLoop
from sprg_shared.bus import Producer
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.envelope import Envelope, EventData, envelope_for
from sprg_shared.events import ClockDue
from sprg_shared.metrics import bus_metrics

CAL, POLICY = WorkingDayCalendar(), ReminderPolicy()
START = datetime(2026, 4, 1, tzinfo=UTC)
BURST_DUE, LATER_DUE = date(2026, 4, 13), date(2027, 6, 30)
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
    return round(ordered[max(0, min(len(ordered), math.ceil(q * len(ordered))) - 1)], 2)


async def main(
    pending: int, burst: int, replicas: int, concurrency: int, load_concurrency: int
) -> dict[str, object]:
    run = uuid.uuid4().hex[:8]
    kafka, mongo_url = os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URL"]
    topic = f"bench.clocks.{run}"
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    admin.create_topics([NewTopic(topic, 3, 1)])
    admin.close()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url, tz_aware=True)
    db = client[f"bench_{run}"]
    repo = ClockRepository(db)
    await repo.ensure_indexes()
    producer = Producer(kafka, f"bench-{run}", bus_metrics(CollectorRegistry(), "bench"))

    acked: dict[str, float] = {}  # event id -> seconds from the burst's due instant
    due_at = [0.0]

    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        envelope = envelope_for(event, source="sprg/bench", event_id=event_id)
        await producer.publish(topic, envelope)
        acked.setdefault(event_id, time.perf_counter() - due_at[0])
        return envelope

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

    async def load(offset: int) -> None:
        async with loading:
            docs = [copied(n) for n in range(offset, min(pending, offset + LOAD_BATCH))]
            await db["clocks"].insert_many(docs, ordered=False)

    loading = asyncio.Semaphore(load_concurrency)
    started = time.perf_counter()
    await asyncio.gather(*(load(offset) for offset in range(0, pending, LOAD_BATCH)))
    stored_seconds = time.perf_counter() - started

    now = POLICY.instant(BURST_DUE + timedelta(days=1), POLICY.breach_hour)  # every burst breach
    loops = [
        FiringLoop(
            repo=repo,
            claims=FiringClaims(repo, f"bench-{run}-{i}", timedelta(seconds=30)),
            publish=publish,
            now=lambda: now,
            policy=POLICY,
            calendar=CAL,
            config=FiringConfig(batch_size=500, concurrency=concurrency),
        )
        for i in range(replicas)
    ]
    await loops[0].ensure_indexes()
    load_before = os.getloadavg()
    started = due_at[0] = time.perf_counter()
    won: Counter[int] = Counter()
    while True:
        got = await asyncio.gather(*(loop.tick() for loop in loops))
        won.update(dict(enumerate(got)))
        if not sum(got):
            break
    fired_seconds = time.perf_counter() - started
    load_after = os.getloadavg()
    lateness = sorted(acked.values())
    events = read_to_end(kafka, topic)
    per_id = Counter(e.id for e in events)
    producer.close()
    await client.drop_database(db.name)
    await client.close()
    return {
        "pending_clocks": pending,
        "burst": burst,
        "replicas": replicas,
        "concurrency_per_replica": concurrency,
        "store_seconds": round(stored_seconds, 1),
        "burst_fired_seconds": round(fired_seconds, 2),
        "transitions_per_second": round(burst / fired_seconds, 1),
        "published_by_replica": [won[i] for i in range(replicas)],
        "events_on_topic": len(events),
        "distinct_event_ids": len(per_id),
        "exactly_once": len(events) == len(per_id) == burst,
        "lateness_p50_seconds": quantile(lateness, 0.5),
        "lateness_p99_seconds": quantile(lateness, 0.99),
        "lateness_max_seconds": quantile(lateness, 1.0),
        "fired_within_1s": sum(1 for t in lateness if t <= 1.0),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=20_000)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--load-concurrency", type=int, default=2, help="insert_many batches in flight"
    )
    args = parser.parse_args()
    result = asyncio.run(
        main(args.pending, args.burst, args.replicas, args.concurrency, args.load_concurrency)
    )
    print(json.dumps(result))

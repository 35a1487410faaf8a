"""Reporting rebuilt from a large event log (issue 16, item 5).

    eval "$(deploy/local/infra.sh env)"
    .venv/bin/python bench/rebuild.py --events 1000000

Generates a partnership's history (tests/partnership_year.py, the generator the reporting
tests use, scaled up) until it holds at least ``--events`` events, publishes it to topics
of this run's own, then times the rebuild's code path (``sprg reporting rebuild``: read
every topic from its start, folding each event into the read models as it is read, then
writing each document once), with the peak memory of the process and of its readers.
The equality of a rebuild with the incremental read models is asserted by
tests/integration/test_reporting.py::test_rebuild_from_the_topics_equals_the_incremental_state.
Prints one JSON line per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sprg_reporting.adapters.replay import envelopes  # noqa: E402
from sprg_reporting.adapters.repository import READ_MODELS, ReadModels  # noqa: E402
from sprg_reporting.handlers import read_models as handlers  # noqa: E402
from sprg_reporting.settings import ReportingSettings  # noqa: E402
from sprg_shared import topics  # noqa: E402
from sprg_shared.envelope import read_event  # noqa: E402
from sprg_shared.store import make_client  # noqa: E402
from tests.partnership_year import generate  # noqa: E402

SOURCES = (topics.INTAKE, topics.DECISIONS, topics.CLOCKS, topics.NOTIFICATIONS)


def peak_rss_mb(who: int) -> int:
    return resource.getrusage(who).ru_maxrss // 1024  # kilobytes on Linux


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def emit(line: dict[str, Any]) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(json.dumps({"at": stamp, **line, "load": load_average()}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument(
        "--reuse", help="rebuild from the topics of this earlier run (its id) instead of new ones"
    )
    parser.add_argument("--workers", type=int, help="processes reading partitions (envelopes')")
    args = parser.parse_args()
    import os  # noqa: PLC0415

    bootstrap, store = os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URL"]
    run = uuid.uuid4().hex[:8]
    source_run = args.reuse or run
    emit({"phase": "start", "run": run, "workers": args.workers})
    if args.reuse:
        emit({"phase": "reusing", "topics_of_run": args.reuse})
    else:
        publish(args.events, args.partitions, bootstrap, run)
    names = {t: f"bench-rebuild-{source_run}-{t}" for t in (*SOURCES, topics.REPORTS)}
    rebuild_run(bootstrap, store, run, names, args.workers)
    return 0


def publish(events: int, partitions: int, bootstrap: str, run: str) -> None:
    # About 8,100 events per 240 rapid reviews, 240 Cases of Concern and 200 escalations.
    scale = max(1, -(-events // 8000))
    started = time.monotonic()
    year = generate(
        seed=16,
        year=2030,
        rapid_reviews=240 * scale,
        cases_of_concern=240 * scale,
        escalations=200 * scale,
    )
    envelopes = year.events
    emit(
        {
            "phase": "generated",
            "events": len(envelopes),
            "seconds": round(time.monotonic() - started, 1),
        }
    )

    names = {t: f"bench-rebuild-{run}-{t}" for t in (*SOURCES, topics.REPORTS)}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics(
        [
            NewTopic(
                name,
                1 if t == topics.REPORTS else partitions,
                1,
                topic_configs={"retention.ms": "-1"},
            )
            for t, name in names.items()
        ]
    )
    admin.close()
    started = time.monotonic()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=50, batch_size=512 * 1024
    )
    size = 0
    for envelope in envelopes:
        value = envelope.to_bytes()
        size += len(value)
        topic = names[type(read_event(envelope)).TOPIC]
        producer.send(topic, key=envelope.subject.encode(), value=value)
    producer.flush(timeout=600)
    producer.close()
    emit(
        {
            "phase": "published",
            "events": len(envelopes),
            "mb": round(size / 1e6, 1),
            "seconds": round(time.monotonic() - started, 1),
        }
    )
    del envelopes, year


def rebuild_run(
    bootstrap: str, store: str, run: str, names: dict[str, str], workers: int | None
) -> None:
    settings = ReportingSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_url=store,
        database=f"b{run}_reporting",
        consumer_group=f"b{run}-reporting",
        source_topics=tuple(names[t] for t in SOURCES),
        reports_topic=names[topics.REPORTS],
    )

    async def rebuild() -> dict[str, Any]:
        client = make_client(settings.mongodb_url, app_name="bench-rebuild")
        try:
            t0 = time.monotonic()
            log = envelopes(
                settings.kafka_bootstrap_servers,
                settings.source_topics,
                *(() if workers is None else (60.0, workers)),
            )
            db = client[settings.database]
            folded = await handlers.rebuild(ReadModels(db), log)
            t1 = time.monotonic()
            documents = {name: await db[name].count_documents({}) for name in READ_MODELS}
            return {
                "folded": folded,
                "rebuild_s": round(t1 - t0, 1),
                "documents": documents,
                # Peak resident memory of this process (the reader's parse and the fold;
                # with --reuse nothing else ran in it) and of its reading workers.
                "peak_rss_mb": peak_rss_mb(resource.RUSAGE_SELF),
                "workers_peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
            }
        finally:
            await client.close()

    emit({"phase": "rebuilt", "run": run, **asyncio.run(rebuild())})


if __name__ == "__main__":
    sys.exit(main())

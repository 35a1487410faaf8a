"""The notifier's cost per SIN clock event, in one process, on the real store and SMTP.

    eval "$(deploy/local/infra.sh env)"      # a store (here: the test one)
    .venv/bin/python bench/notifier_handler.py --events 300 --concurrency 50

Composes the notifier as the service does (``bootstrap.compose``: the store's
``NotifierRepository``, ``SmtpChannel`` to an SMTP server of this script's, aiosmtpd in a
thread) on the loopback bus, puts the Business Team in the directory, then hands it N
``ClockStarted`` events of different cases, ``--concurrency`` at once (as the bus does
with a poll of records of different keys): each is one e-mail sent and recorded. Prints
the events handled per second of wall time and per second of this process's CPU, and
how many e-mails the SMTP server received. ``--no-gate`` lets every send go at once
(as before the ``SendGate``), to measure what the gate costs. Run it with PYTHONPATH at
another checkout's sources to compare two versions on the same servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.controller import Controller
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_notifier.adapters.channels import SmtpChannel
from sprg_notifier.adapters.memory import MemoryWebhook
from sprg_notifier.adapters.repository import NotifierRepository
from sprg_notifier.bootstrap import Channels, compose
from sprg_notifier.domain.directory import Person
from sprg_notifier.handlers.events import on_event
from sprg_notifier.settings import NotifierSettings
from sprg_shared.contracts.clocks import ClockStarted
from sprg_shared.envelope import envelope_for
from sprg_shared.loopback import LoopbackBus


class Counter:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.received += 1
        return "250 OK"


def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clock(case_id: str) -> ClockStarted:
    return ClockStarted(
        clock_id=f"k-{case_id}",
        case_id=case_id,
        kind="sin_notification",
        anchor="aware_date",
        anchor_date="2026-11-23",
        due="2026-11-30",
        calendar_version="bench",
        started_by="bench",
        reference="SIN-2026-0001",
    )


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(events: int, concurrency: int, gate: bool) -> dict[str, object]:
    port = free_port()
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(os.environ["MONGODB_URL"])
    db = client[f"bench_notifier_{uuid.uuid4().hex[:8]}"]
    settings = NotifierSettings(
        kafka_bootstrap_servers="unused:9", mongodb_url="mongodb://unused", smtp_port=port
    )
    repository = NotifierRepository(db)
    notifier = await compose(
        settings,
        repository=repository,
        bus=LoopbackBus(),
        channels=Channels(email=SmtpChannel(settings), webhook=MemoryWebhook()),
        registry=CollectorRegistry(),
        now=lambda: datetime.now(UTC),
    )
    if not gate and hasattr(notifier.deps, "gate"):  # every send its own lock: no gate
        setattr(notifier.deps.gate, "channel", lambda _name: asyncio.Lock())  # noqa: B010
    await repository.put_person(
        Person(
            person_id="bt",
            name="Business Team",
            email="bt@example.org",
            agency="cscp",
            roles=frozenset({"business_team"}),
        )
    )
    warm = clock(str(uuid.uuid4()))
    await on_event(warm, envelope_for(warm, source="bench"), notifier.deps)
    queue = iter([clock(str(uuid.uuid4())) for _ in range(events)])

    async def worker() -> None:
        for event in queue:
            await on_event(event, envelope_for(event, source="bench"), notifier.deps)

    c0, t0 = cpu(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, used = time.perf_counter() - t0, cpu() - c0
    await client.drop_database(db.name)
    await client.close()
    controller.stop()
    return {
        "events": events,
        "concurrency": concurrency,
        "gate": gate and hasattr(notifier.deps, "gate"),
        "wall_s": round(wall, 2),
        "per_s_wall": round(events / wall, 1),
        "cpu_s": round(used, 2),
        "per_cpu_s": round(events / used, 1) if used else None,
        "mails_received": counter.received,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--no-gate", action="store_true", help="sends not serialised (to measure what it costs)"
    )
    args = parser.parse_args()
    result = asyncio.run(run(args.events, args.concurrency, not args.no_gate))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

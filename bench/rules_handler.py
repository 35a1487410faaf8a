"""The rules service's cost per reported incident, in one process, on the real store.

    eval "$(deploy/local/infra.sh env)"      # a store (here: the test one)
    .venv/bin/python bench/rules_handler.py --events 300

Composes the rules as the service does (``bootstrap.compose``: durable_rules in its child
process, the shipped packs, the store's ``DecisionRepository`` and ``SubjectRepository``)
on the loopback bus, then hands it N ``IncidentReported`` events of different cases,
``--concurrency`` at once (as the bus does with a poll of records of different keys), and
prints the events handled per second of wall time and per second of this process's CPU
(the CPU figure depends less on what else runs on the machine), then the same steps timed
one by one: the evaluation (in the engine's child), the store's reads and its write.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
import uuid
from datetime import UTC, date, datetime

from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_rules.adapters.engine_process import ProcessRuleEngine
from sprg_rules.adapters.repository import DecisionRepository
from sprg_rules.adapters.subjects import SubjectRepository
from sprg_rules.bootstrap import compose
from sprg_rules.handlers.decisions import facts_from
from sprg_rules.settings import RulesSettings
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.intake import IncidentReported
from sprg_shared.envelope import envelope_for
from sprg_shared.loopback import LoopbackBus


def incident(case_id: str) -> IncidentReported:
    return IncidentReported.model_validate(
        {
            "case_id": case_id,
            "reference": f"SIN-2026-{case_id[:8].upper()}",
            "reporting_agency": "cscp",
            "reported_at": "2026-04-02T09:00:00Z",
            "aware_date": "2026-04-02",
            "incident": {
                "kind": "death",
                "date": "2026-04-01",
                "location": "in_area",
                "abuse_or_neglect": "suspected",
            },
            "children": [
                {
                    "age_years": 4,
                    "looked_after": False,
                    "care_leaver": False,
                    "normally_resident_in_area": True,
                }
            ],
        }
    )


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(events: int, concurrency: int) -> dict[str, object]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(os.environ["MONGODB_URL"])
    db = client[f"bench_rules_{uuid.uuid4().hex[:8]}"]
    engine = ProcessRuleEngine()
    calendar = WorkingDayCalendar()
    bus = LoopbackBus()
    rules = await compose(
        RulesSettings(kafka_bootstrap_servers="unused:9", mongodb_url="mongodb://unused"),
        decisions=DecisionRepository(db),
        subjects=SubjectRepository(db),
        bus=bus,
        engine=engine,
        calendar=lambda: calendar,
        registry=CollectorRegistry(),
        now=lambda: datetime.now(UTC),
    )
    deps = rules.deps
    from sprg_rules.handlers.decisions import on_incident_reported  # noqa: PLC0415

    warm = incident(str(uuid.uuid4()))
    await on_incident_reported(warm, envelope_for(warm, source="bench"), deps)
    todo = [incident(str(uuid.uuid4())) for _ in range(events)]
    queue = iter(todo)

    async def worker() -> None:
        for event in queue:
            await on_incident_reported(event, envelope_for(event, source="bench"), deps)

    c0, t0 = cpu(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, used = time.perf_counter() - t0, cpu() - c0

    # The steps one by one (sequential, so each is its own latency).
    steps: dict[str, list[float]] = {"evaluate": [], "reference_of": [], "facts_of": []}
    facts = facts_from(todo[0])
    for event in todo[:100]:
        t = time.perf_counter()
        await asyncio.to_thread(deps.evaluate, facts)
        steps["evaluate"].append(time.perf_counter() - t)
        t = time.perf_counter()
        await deps.repo.reference_of(event.case_id)
        steps["reference_of"].append(time.perf_counter() - t)
        t = time.perf_counter()
        await deps.repo.facts_of(event.case_id)
        steps["facts_of"].append(time.perf_counter() - t)
    engine.close()
    await client.drop_database(db.name)
    await client.close()
    return {
        "events": events,
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "per_s_wall": round(events / wall, 1),
        "cpu_s_this_process": round(used, 2),
        "per_cpu_s": round(events / used, 1) if used else None,
        "step_ms_median": {k: round(sorted(v)[len(v) // 2] * 1000, 2) for k, v in steps.items()},
        "published": len(bus.envelopes("sprg.decisions")),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "day": date.today().isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.events, args.concurrency))), flush=True)


if __name__ == "__main__":
    main()

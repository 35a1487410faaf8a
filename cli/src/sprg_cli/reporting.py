"""``sprg reporting rebuild`` and ``sprg reporting produce KIND PERIOD``.

Both read the reporting service's settings from the environment (``MONGODB_URL``,
``KAFKA_BOOTSTRAP_SERVERS``, ``SPRG_REPORTING_*``), like the service itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from prometheus_client import CollectorRegistry

from sprg_reporting.adapters.replay import read_all
from sprg_reporting.adapters.repository import ReadModels
from sprg_reporting.bootstrap import publisher
from sprg_reporting.domain.periods import KINDS, BadPeriod
from sprg_reporting.handlers import read_models as handlers
from sprg_reporting.settings import ReportingSettings
from sprg_shared.bus import Producer
from sprg_shared.calendar import london_today
from sprg_shared.metrics import bus_metrics
from sprg_shared.store import make_client


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reporting = commands.add_parser("reporting", help="read models and reports")
    sub = reporting.add_subparsers(dest="reporting_command", required=True)
    rebuild = sub.add_parser(
        "rebuild", help="drop the read models and fold every event again from the topics' start"
    )
    rebuild.set_defaults(handler=run_rebuild)
    produce = sub.add_parser("produce", help="produce a report and announce it on sprg.reports")
    produce.add_argument("kind", choices=KINDS)
    produce.add_argument("period", help="YYYY-MM (first month of the SPRG period) or YYYY-Qn")
    produce.set_defaults(handler=run_produce)


async def rebuild(settings: ReportingSettings) -> int:
    client = make_client(settings.mongodb_url, app_name="sprg-cli-reporting")
    try:
        envelopes = await asyncio.to_thread(
            read_all, settings.kafka_bootstrap_servers, settings.source_topics
        )
        return await handlers.rebuild(ReadModels(client[settings.database]), envelopes)
    finally:
        await client.close()


def run_rebuild(args: argparse.Namespace) -> int:
    settings = ReportingSettings()
    started = time.monotonic()
    folded = asyncio.run(rebuild(settings))
    print(f"rebuilt {settings.database}: {folded} events in {time.monotonic() - started:.1f}s")
    return 0


async def produce(settings: ReportingSettings, kind: str, period: str) -> handlers.Produced:
    client = make_client(settings.mongodb_url, app_name="sprg-cli-reporting")
    producer = Producer(
        settings.kafka_bootstrap_servers,
        "sprg-cli-reporting",
        bus_metrics(CollectorRegistry(), "cli"),
    )

    publish = publisher(producer, settings)  # as the service announces one

    try:
        return await handlers.produce_report(
            ReadModels(client[settings.database]), publish, kind, period, as_of=london_today()
        )
    finally:
        producer.close()
        await client.close()


def run_produce(args: argparse.Namespace) -> int:
    try:
        produced = asyncio.run(produce(ReportingSettings(), args.kind, args.period))
    except BadPeriod as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(produced.announcement.model_dump(mode="json"), indent=2))
    return 0

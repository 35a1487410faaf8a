"""``sprg reporting rebuild`` and ``sprg reporting produce KIND PERIOD``.

Both read the reporting service's settings from the environment (``MONGODB_URL``,
``KAFKA_BOOTSTRAP_SERVERS``, ``SPRG_REPORTING_*``), like the service itself, and run what
``sprg_reporting.public`` offers (composed in the service's ``bootstrap``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from sprg_reporting.public import KINDS, BadPeriod, ReportingSettings, produce, rebuild


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reporting = commands.add_parser("reporting", help="read models and reports")
    sub = reporting.add_subparsers(dest="reporting_command", required=True)
    rebuild_cmd = sub.add_parser(
        "rebuild", help="drop the read models and fold every event again from the topics' start"
    )
    rebuild_cmd.set_defaults(handler=run_rebuild)
    produce_cmd = sub.add_parser("produce", help="produce a report and announce it on sprg.reports")
    produce_cmd.add_argument("kind", choices=KINDS)
    produce_cmd.add_argument("period", help="YYYY-MM (first month of the SPRG period) or YYYY-Qn")
    produce_cmd.set_defaults(handler=run_produce)


def run_rebuild(args: argparse.Namespace) -> int:
    settings = ReportingSettings()
    started = time.monotonic()
    print(
        f"rebuilding {settings.database}: its reports and case views are empty until this"
        " ends (about 85 s a million events)",
        file=sys.stderr,
        flush=True,
    )

    def progress(read: int) -> None:
        elapsed = time.monotonic() - started
        print(f"  {read:,} events read and folded ({elapsed:.0f} s)", file=sys.stderr, flush=True)

    folded = asyncio.run(rebuild(settings, progress))
    print(f"rebuilt {settings.database}: {folded} events in {time.monotonic() - started:.1f}s")
    return 0


def run_produce(args: argparse.Namespace) -> int:
    try:
        produced = asyncio.run(produce(ReportingSettings(), args.kind, args.period))
    except BadPeriod as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(produced.announcement.model_dump(mode="json"), indent=2))
    return 0

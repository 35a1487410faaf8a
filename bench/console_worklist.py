"""The console's worklist with many open clocks: the console's own share of a page's time.

    .venv/bin/python bench/console_worklist.py [--clocks 10000] [--subjects 3400] [--pages 30]

The console is built by ``bootstrap.build`` with in-memory services (the fakes of the unit
tests), so the figure is the console's work (asking, naming each subject, ordering,
rendering the rows shown), without the network. Prints p50/p95 of the wall time and of
the process's CPU time per page (the CPU figure holds on a busy machine; the wall time
includes waiting for a core), and the load average when it ended.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.unit.console_fakes import World, clock

KINDS = ("sin_notification", "rapid_review", "rapid_review_conservative")


async def run(clocks: int, subjects: int, pages: int) -> None:
    world = World()
    start = date(2026, 11, 2)
    for i in range(clocks):
        subject = f"case-{i % subjects}"
        days = (i % 40) - 10
        world.scheduler.clocks_.append(
            clock(
                subject,
                KINDS[i % 3] if i < subjects * 3 else "action_due",
                start + timedelta(days=i % 60),
                days_left=days,
                at_risk=0 <= days <= 2,
                key=None if i < subjects * 3 else f"k{i}",
            )
        )
    world.reporting.cases = {
        f"case-{n}": {"reference": f"SIN-2026-{n:08d}", "reporting_agency": "croydon-csc"}
        for n in range(subjects)
    }
    async with world.signed_in("bt") as browser:
        await browser.get("/")  # warm: templates compiled
        times, cpu = [], []
        for _ in range(pages):
            began, began_cpu = time.perf_counter(), time.process_time()
            page = await browser.get("/")
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            assert page.status_code == 200
        overdue = await browser.get("/", params={"status": "overdue"})
        assert overdue.status_code == 200
    times.sort()
    cpu.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    cpu95 = cpu[max(0, int(len(cpu) * 0.95) - 1)]
    print(
        f"clocks={clocks} subjects={subjects} pages={pages} "
        f"p50={statistics.median(times):.0f}ms p95={p95:.0f}ms max={times[-1]:.0f}ms "
        f"cpu_p50={statistics.median(cpu):.0f}ms cpu_p95={cpu95:.0f}ms "
        f"page={len(page.content) // 1024}KiB load={os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clocks", type=int, default=10_000)
    parser.add_argument("--subjects", type=int, default=3_400)
    parser.add_argument("--pages", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.clocks, args.subjects, args.pages))


if __name__ == "__main__":
    main()

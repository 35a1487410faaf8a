"""The firing loop's gauge refresh spaces itself out when counting is slow.

At a million clocks one refresh costs the store seconds of CPU (bench/README.md), and
every replica refreshes: the next refresh waits at least ten times as long as the last
one took, and never less than the configured interval.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from sprg_scheduler.adapters.memory import MemoryClaims, MemoryClocks
from sprg_scheduler.adapters.metrics import ClockGauges
from sprg_scheduler.adapters.ports import ClockStore
from sprg_scheduler.handlers.firing import FiringConfig, FiringLoop
from sprg_shared.envelope import Envelope, EventData
from tests.unit.test_scheduler_schedule import CAL, POLICY

NOW = datetime(2026, 4, 14, 9, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


class TimedGauges(ClockGauges):
    """Gauges whose count takes ``takes`` seconds of the test's clock."""

    def __init__(self, clock: Clock, takes: float) -> None:
        super().__init__(CollectorRegistry())
        self.clock, self.takes, self.refreshed = clock, takes, 0

    async def refresh(
        self, repo: ClockStore, today: date | None = None, now: datetime | None = None
    ) -> None:
        self.clock.seconds += self.takes
        self.refreshed += 1


async def never(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
    raise AssertionError("nothing is due")


def loop_with(gauges: ClockGauges) -> FiringLoop:
    clocks = MemoryClocks()
    return FiringLoop(
        repo=clocks,
        claims=MemoryClaims(clocks, "r", timedelta(seconds=30)),
        publish=never,
        now=lambda: NOW,
        policy=POLICY,
        calendar=CAL,
        config=FiringConfig(gauge_refresh_seconds=15.0),
        gauges=gauges,
    )


@pytest.mark.parametrize(
    ("takes", "waits"),
    [(0.1, 15.0), (4.0, 40.0)],  # quick: the configured 15 s; slow: ten times the 4 s
)
async def test_the_next_refresh_waits_ten_times_as_long_as_the_last_took(
    monkeypatch: pytest.MonkeyPatch, takes: float, waits: float
) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock)
    gauges = TimedGauges(clock, takes)
    loop = loop_with(gauges)
    assert loop.gauges_due()  # the first refresh is due at once

    await loop.refresh_gauges()

    clock.seconds += waits - 0.5
    assert not loop.gauges_due()
    clock.seconds += 0.5
    assert loop.gauges_due()
    assert gauges.refreshed == 1

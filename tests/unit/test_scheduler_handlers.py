"""The scheduler's clock handlers with no server: ``bootstrap.compose`` on the in-memory clock
store and the loopback bus."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sprg_scheduler.adapters.memory import MemoryClocks
from sprg_scheduler.bootstrap import compose
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared import topics
from sprg_shared.contracts.clocks import ClockStarted, ClockStopped
from sprg_shared.contracts.decisions import CaseAssessed, ClockDue
from sprg_shared.envelope import envelope_for
from sprg_shared.loopback import LoopbackBus
from tests.contracts.stores import assessed

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
SIN = ClockDue(
    kind="sin_notification",
    anchor="aware_date",
    anchor_date=date(2026, 11, 23),
    due=date(2026, 11, 30),
    rule="sin-notification",
)


def decision(*clocks: ClockDue) -> CaseAssessed:
    return assessed("case-1", "SIN-2026-0042").model_copy(update={"clocks": clocks})


async def test_a_decision_starts_its_clock_once_and_a_later_one_without_it_stops_it() -> None:
    bus, clocks = LoopbackBus(), MemoryClocks()
    settings = SchedulerSettings(kafka_bootstrap_servers="unused:9", mongodb_url="mongodb://u")
    await compose(settings, clocks=clocks, bus=bus, now=lambda: NOW)
    await bus.publish(topics.DECISIONS, envelope_for(decision(SIN), source="sprg/rules"))
    await bus.publish(topics.DECISIONS, envelope_for(decision(SIN), source="sprg/rules"))
    await bus.drain()
    started = [e for e in bus.events(topics.CLOCKS) if isinstance(e, ClockStarted)]
    assert [(s.kind, s.due, s.reference) for s in started] == [
        ("sin_notification", date(2026, 11, 30), "SIN-2026-0042")
    ]
    await bus.publish(topics.DECISIONS, envelope_for(decision(), source="sprg/rules"))
    await bus.drain()
    stopped = [e for e in bus.events(topics.CLOCKS) if isinstance(e, ClockStopped)]
    assert [s.clock_id for s in stopped] == [started[0].clock_id]
    (kept,) = await clocks.for_case("case-1")
    assert kept.clock.state == "stopped"

"""The scheduler's clock handlers with no server: ``bootstrap.compose`` on the in-memory clock
store and the loopback bus."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sprg_scheduler.adapters.memory import MemoryClocks
from sprg_scheduler.bootstrap import compose
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared import topics
from sprg_shared.contracts.clocks import ClockMet, ClockStarted, ClockStopped
from sprg_shared.contracts.decisions import CaseAssessed, ClockDue
from sprg_shared.contracts.intake import LcsprProgressed, LcsprPublicationRecorded
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


async def test_the_lcspr_clocks_are_met_by_the_final_report_and_the_publication() -> None:
    """The final report sent to the Panel before the assessment started the pre-publication
    clock is kept and applied when it starts; the published date meets the completion."""
    bus, clocks = LoopbackBus(), MemoryClocks()
    settings = SchedulerSettings(kafka_bootstrap_servers="unused:9", mongodb_url="mongodb://u")
    await compose(settings, clocks=clocks, bus=bus, now=lambda: NOW)
    sent = LcsprProgressed(
        case_id="case-1",
        milestone="sent_to_panel_and_secretary_of_state",
        milestone_date=date(2026, 11, 20),
        recorded_at=NOW,
    )
    await bus.publish(topics.INTAKE, envelope_for(sent, source="sprg/intake"))
    await bus.drain()
    completion = ClockDue(
        kind="lcspr_completion",
        anchor="lcspr.commissioned_date",
        anchor_date=date(2026, 9, 25),
        due=date(2027, 3, 25),
        rule="lcspr.completion",
    )
    prepublication = ClockDue(
        kind="lcspr_prepublication",
        anchor="lcspr.planned_publication_date",
        anchor_date=date(2026, 12, 10),
        due=date(2026, 12, 1),
        rule="lcspr.prepublication",
    )
    assessed_now = decision(completion, prepublication)
    await bus.publish(topics.DECISIONS, envelope_for(assessed_now, source="sprg/rules"))
    await bus.drain()
    published = LcsprPublicationRecorded(
        case_id="case-1",
        published_date=date(2026, 12, 10),
        agencies=("croydon-csc",),
        recorded_at=NOW,
    )
    await bus.publish(topics.INTAKE, envelope_for(published, source="sprg/intake"))
    await bus.drain()
    ended = {s.clock.kind: s.clock for s in await clocks.for_case("case-1")}
    pre, done = ended["lcspr_prepublication"], ended["lcspr_completion"]
    assert (pre.state, pre.met_on, pre.late) == ("met", date(2026, 11, 20), False)
    assert (done.state, done.met_on, done.late) == ("met", date(2026, 12, 10), False)
    met = [e for e in bus.events(topics.CLOCKS) if isinstance(e, ClockMet)]
    assert sorted(m.kind for m in met) == ["lcspr_completion", "lcspr_prepublication"]

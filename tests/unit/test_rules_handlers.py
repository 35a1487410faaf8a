"""The rules' decision handlers with no server: ``bootstrap.compose`` on the in-memory stores,
an in-process engine, the England and Wales calendar and the loopback bus."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prometheus_client import CollectorRegistry

from sprg_rules.adapters.memory import MemoryDecisions, MemorySubjects
from sprg_rules.bootstrap import compose
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.settings import RulesSettings
from sprg_shared import topics
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.decisions import CaseAssessed
from sprg_shared.contracts.intake import ChildFacts, IncidentFacts, IncidentReported
from sprg_shared.envelope import envelope_for
from sprg_shared.loopback import LoopbackBus

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def incident(case_id: str, abuse_or_neglect: str = "suspected") -> IncidentReported:
    return IncidentReported(
        case_id=case_id,
        reference="SIN-2026-0042",
        reporting_agency="croydon-csc",
        reported_at=NOW,
        aware_date=date(2026, 11, 23),
        incident=IncidentFacts(
            kind="death",
            date=date(2026, 11, 21),
            location="in_area",
            abuse_or_neglect=abuse_or_neglect,
        ),
        children=(
            ChildFacts(
                age_years=7, looked_after=False, care_leaver=False, normally_resident_in_area=True
            ),
        ),
    )


async def test_a_death_with_suspected_abuse_is_decided_once_with_the_sin_clock() -> None:
    bus, decisions = LoopbackBus(), MemoryDecisions()
    calendar = WorkingDayCalendar()
    await compose(
        RulesSettings(kafka_bootstrap_servers="unused:9", mongodb_url="mongodb://unused"),
        decisions=decisions,
        subjects=MemorySubjects(),
        bus=bus,
        engine=RuleEngine(),
        calendar=lambda: calendar,
        registry=CollectorRegistry(),
        now=lambda: NOW,
    )
    reported = envelope_for(incident("case-7"), source="sprg/intake")
    await bus.publish(topics.INTAKE, reported)
    await bus.publish(topics.INTAKE, reported)  # redelivered
    await bus.drain()
    (assessed,) = [e for e in bus.events(topics.DECISIONS) if isinstance(e, CaseAssessed)]
    assert assessed.panel_notification_required and assessed.rapid_review_required
    assert assessed.reference == "SIN-2026-0042"
    sin = next(c for c in assessed.clocks if c.kind == "sin_notification")
    # 5 working days after awareness on Monday 23 November 2026
    assert sin.due == date(2026, 11, 30)
    assert [d["case_id"] for d in await decisions.for_case("case-7")] == ["case-7"]
    assert await decisions.reference_of("case-7") == "SIN-2026-0042"

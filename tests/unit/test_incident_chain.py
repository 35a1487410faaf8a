"""The whole incident chain in one process, with no server: an incident reported → the rules
decide a Panel notification → the scheduler starts the 5-working-day clock → the Business Team
is e-mailed → reporting counts the case. Each service is composed by its own
``bootstrap.compose``, on its in-memory adapters, all on one loopback bus."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from sprg_notifier import bootstrap as notifier
from sprg_notifier.adapters.memory import MemoryEmail, MemoryNotifierStore, MemoryWebhook
from sprg_notifier.domain.directory import Person
from sprg_notifier.settings import NotifierSettings
from sprg_reporting import bootstrap as reporting
from sprg_reporting.adapters.memory import MemoryReadModels
from sprg_reporting.settings import ReportingSettings
from sprg_rules import bootstrap as rules
from sprg_rules.adapters.memory import MemoryDecisions, MemorySubjects
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.settings import RulesSettings
from sprg_scheduler import bootstrap as scheduler
from sprg_scheduler.adapters.memory import MemoryClocks
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared import topics
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import ClockStarted
from sprg_shared.contracts.decisions import CaseAssessed
from sprg_shared.contracts.notifications import NotificationSent
from sprg_shared.envelope import envelope_for
from sprg_shared.loopback import LoopbackBus
from tests.unit.test_rules_handlers import incident

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
UNUSED: dict[str, Any] = {"kafka_bootstrap_servers": "unused:9", "mongodb_url": "mongodb://u"}


async def test_an_incident_is_decided_clocked_told_and_counted_in_one_process() -> None:
    bus = LoopbackBus()
    calendar = WorkingDayCalendar()
    clocks, email, read_models = MemoryClocks(), MemoryEmail(), MemoryReadModels()
    directory = MemoryNotifierStore()
    await directory.put_person(
        Person(
            person_id="bt-1",
            name="Business Team",
            email="business.team@example.org",
            agency="cscp",
            roles=frozenset({"business_team"}),
        )
    )
    await rules.compose(
        RulesSettings(**UNUSED),
        decisions=MemoryDecisions(),
        subjects=MemorySubjects(),
        bus=bus,
        engine=RuleEngine(),
        calendar=lambda: calendar,
        registry=CollectorRegistry(),
        now=lambda: NOW,
    )
    await scheduler.compose(SchedulerSettings(**UNUSED), clocks=clocks, bus=bus, now=lambda: NOW)
    await notifier.compose(
        NotifierSettings(**UNUSED, retry_backoff_seconds=0),
        repository=directory,
        bus=bus,
        channels=notifier.Channels(email=email, webhook=MemoryWebhook()),
        registry=CollectorRegistry(),
        now=lambda: NOW,
    )
    await reporting.compose(
        ReportingSettings(**UNUSED), models=read_models, bus=bus, registry=CollectorRegistry()
    )

    await bus.publish(topics.INTAKE, envelope_for(incident("case-1"), source="sprg/intake"))
    await bus.drain()

    (assessed,) = [e for e in bus.events(topics.DECISIONS) if isinstance(e, CaseAssessed)]
    assert assessed.panel_notification_required
    started = {e.kind: e for e in bus.events(topics.CLOCKS) if isinstance(e, ClockStarted)}
    assert started["sin_notification"].due == date(2026, 11, 30)
    (stored,) = [
        s.clock for s in await clocks.for_case("case-1") if s.clock.kind == "sin_notification"
    ]
    assert (stored.state, stored.due) == ("open", date(2026, 11, 30))
    told = [m for m in email.sent if m.to == "business.team@example.org"]
    assert told and all("SIN-2026-0042" in m.message.text for m in told)
    assert any(
        isinstance(e, NotificationSent) and e.status == "sent"
        for e in bus.events(topics.NOTIFICATIONS)
    )
    summary = await read_models.summary()
    assert summary["cases_reported"] == 1
    assert summary["panel_notifications_required"] == 1
    assert summary["sin_clocks_open"] == 1
    assert bus.dead_letters() == []


async def test_reporting_names_the_case_by_its_reference_when_the_decision_arrives_first() -> None:
    """The decision travels on another topic than the incident; the console lists reporting's
    cases by reference, so the case has it whichever reaches reporting first."""
    decided = LoopbackBus()
    calendar = WorkingDayCalendar()
    await rules.compose(
        RulesSettings(**UNUSED),
        decisions=MemoryDecisions(),
        subjects=MemorySubjects(),
        bus=decided,
        engine=RuleEngine(),
        calendar=lambda: calendar,
        registry=CollectorRegistry(),
        now=lambda: NOW,
    )
    await decided.publish(topics.INTAKE, envelope_for(incident("case-1"), source="sprg/intake"))
    await decided.drain()
    (assessed,) = [e for e in decided.events(topics.DECISIONS) if isinstance(e, CaseAssessed)]

    bus, read_models = LoopbackBus(), MemoryReadModels()
    await reporting.compose(
        ReportingSettings(**UNUSED), models=read_models, bus=bus, registry=CollectorRegistry()
    )
    await bus.publish(topics.DECISIONS, envelope_for(assessed, source="sprg/rules"))
    await bus.drain()
    case = await read_models.case("case-1")
    assert case is not None and case["reference"] == "SIN-2026-0042"
    assert "type" not in case  # the incident itself has not arrived: not yet counted as one

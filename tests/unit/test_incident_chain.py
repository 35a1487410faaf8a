"""The whole incident chain in one process, with no server: an incident reported → the rules
decide a Panel notification → the scheduler starts the 5-working-day clock → the Business Team
is e-mailed → reporting counts the case; then time moves on → the scheduler's firing loop
reminds, then raises the breach → the owner and the Chair are e-mailed → reporting counts the
breach. Each service is composed by its own ``bootstrap.compose``, on its in-memory adapters,
all on one loopback bus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
from sprg_scheduler.adapters.memory import MemoryClaims, MemoryClocks
from sprg_scheduler.handlers.firing import FiringLoop
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared import topics
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.clocks import ClockBreached, ClockReminderDue, ClockStarted
from sprg_shared.contracts.decisions import CaseAssessed
from sprg_shared.contracts.notifications import NotificationSent
from sprg_shared.envelope import envelope_for
from sprg_shared.loopback import LoopbackBus
from tests.unit.test_rules_handlers import incident

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
UNUSED: dict[str, Any] = {"kafka_bootstrap_servers": "unused:9", "mongodb_url": "mongodb://u"}


@dataclass
class Chain:
    """The five services' in-memory adapters on one bus, and the time they all read."""

    bus: LoopbackBus
    clocks: MemoryClocks
    email: MemoryEmail
    read_models: MemoryReadModels
    firing: FiringLoop
    now: datetime = NOW

    def told(self, to: str, subject_starts: str) -> list[str]:
        """The e-mails sent to ``to`` whose subject starts so: subject and text."""
        return [
            f"{m.message.subject}\n{m.message.text}"
            for m in self.email.sent
            if m.to == to and m.message.subject.startswith(subject_starts)
        ]


async def chain() -> Chain:
    bus = LoopbackBus()
    calendar = WorkingDayCalendar()
    clocks, email, read_models = MemoryClocks(), MemoryEmail(), MemoryReadModels()
    directory = MemoryNotifierStore()
    for person_id, email_address, agency, role in (
        ("bt-1", "business.team@example.org", "cscp", "business_team"),
        ("chair-1", "chair@example.org", "croydon-csc", "chair"),
    ):
        await directory.put_person(
            Person(
                person_id=person_id,
                name=role.replace("_", " ").title(),
                email=email_address,
                agency=agency,
                roles=frozenset({role}),
            )
        )
    running: list[Chain] = []

    def now() -> datetime:
        return running[0].now if running else NOW

    await rules.compose(
        RulesSettings(**UNUSED),
        decisions=MemoryDecisions(),
        subjects=MemorySubjects(),
        bus=bus,
        engine=RuleEngine(),
        calendar=lambda: calendar,
        registry=CollectorRegistry(),
        now=now,
    )
    composed = await scheduler.compose(
        SchedulerSettings(**UNUSED),
        clocks=clocks,
        bus=bus,
        now=now,
        claims=MemoryClaims(clocks, "replica-1", timedelta(seconds=30)),
    )
    await notifier.compose(
        NotifierSettings(**UNUSED, retry_backoff_seconds=0),
        repository=directory,
        bus=bus,
        channels=notifier.Channels(email=email, webhook=MemoryWebhook()),
        registry=CollectorRegistry(),
        now=now,
    )
    await reporting.compose(
        ReportingSettings(**UNUSED), models=read_models, bus=bus, registry=CollectorRegistry()
    )
    assert composed.firing is not None
    running.append(Chain(bus, clocks, email, read_models, composed.firing))
    return running[0]


async def test_an_incident_is_decided_clocked_told_and_counted_in_one_process() -> None:
    c = await chain()
    bus, clocks, email, read_models = c.bus, c.clocks, c.email, c.read_models

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
    # The 5 working days are the pack's: the decision carries them, the clock keeps how.
    (sin,) = [c for c in assessed.clocks if c.kind == "sin_notification"]
    assert sin.basis is not None and sin.basis.words() == "5 working days after"
    assert stored.basis == sin.basis
    assert started["sin_notification"].basis == sin.basis
    told = [m for m in email.sent if m.to == "business.team@example.org"]
    assert told and all("SIN-2026-0042" in m.message.text for m in told)
    assert all("(5 working days after 23 November 2026," in m.message.text for m in told)
    assert any(
        isinstance(e, NotificationSent) and e.status == "sent"
        for e in bus.events(topics.NOTIFICATIONS)
    )
    summary = await read_models.summary()
    assert summary["cases_reported"] == 1
    assert summary["panel_notifications_required"] == 1
    assert summary["sin_clocks_open"] == 1
    assert bus.dead_letters() == []


async def test_a_clock_falls_due_is_reminded_then_breached_told_and_counted() -> None:
    c = await chain()
    await c.bus.publish(topics.INTAKE, envelope_for(incident("case-1"), source="sprg/intake"))
    await c.bus.drain()
    assert await c.firing.tick() == 0  # nothing due on the day the clock starts

    # Thursday 26 November, 08:30 (London = UTC in winter): 2 working days before Monday's due.
    c.now = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert await c.firing.tick() == 1
    await c.bus.drain()
    (reminder,) = [e for e in c.bus.events(topics.CLOCKS) if isinstance(e, ClockReminderDue)]
    assert (reminder.kind, reminder.due, reminder.working_days_remaining) == (
        "sin_notification",
        date(2026, 11, 30),
        2,
    )
    (reminded,) = c.told("business.team@example.org", "Reminder:")
    assert "SIN-2026-0042" in reminded and "A statutory deadline is approaching" in reminded
    assert c.told("chair@example.org", "Reminder:") == []
    assert await c.firing.tick() == 0  # fired once, not again

    # Tuesday 1 December, 09:30: Monday passed without the notification. The loop catches
    # up and publishes only the latest due transition, the breach.
    c.now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert await c.firing.tick() == 1
    await c.bus.drain()
    (breach,) = [e for e in c.bus.events(topics.CLOCKS) if isinstance(e, ClockBreached)]
    assert (breach.kind, breach.due) == ("sin_notification", date(2026, 11, 30))
    assert len([e for e in c.bus.events(topics.CLOCKS) if isinstance(e, ClockReminderDue)]) == 1
    for to in ("business.team@example.org", "chair@example.org"):
        (told,) = c.told(to, "OVERDUE:")
        assert "SIN-2026-0042" in told and "A statutory deadline has passed" in told
    (stored,) = [
        s.clock for s in await c.clocks.for_case("case-1") if s.clock.kind == "sin_notification"
    ]
    assert (stored.state, stored.next_fire_at) == ("breached", None)
    summary = await c.read_models.summary()
    assert (summary["sin_clocks_breached"], summary["sin_clocks_open"]) == (1, 0)
    assert c.bus.dead_letters() == []


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

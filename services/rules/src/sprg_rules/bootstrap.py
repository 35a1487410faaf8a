"""The one place the rules service is put together.

``compose(settings, decisions=, subjects=, bus=, engine=, calendar=, ...)`` wires the decision
handlers to the stores, engine, calendar and bus it is given and subscribes them to intake's
facts; ``build(settings)`` is the service as it runs (FastAPI app whose start-up follows the
activated packs and the confirmed calendar on Kafka, keeps durable_rules in a child process,
and composes the rest on the store). The unit tier calls ``compose`` with ``adapters.memory``,
an in-process ``RuleEngine`` and ``sprg_shared.loopback``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from sprg_rules.adapters.engine_process import ProcessRuleEngine
from sprg_rules.adapters.metrics import RulesMetrics
from sprg_rules.adapters.pack_store import PackStore
from sprg_rules.adapters.pack_watcher import ActivePacks, PackWatcher
from sprg_rules.adapters.ports import DecisionStore, SubjectStore
from sprg_rules.adapters.repository import DecisionRepository
from sprg_rules.adapters.subjects import SubjectRepository
from sprg_rules.domain.decide import KINDS, Decided, decide, load_kind_pack
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import Evaluation, RulePack, evaluate
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.loader import load_default_pack
from sprg_rules.domain.registry import NoPackInForce, PackSet
from sprg_rules.entrypoints.api import add_routes
from sprg_rules.handlers import decisions as handlers
from sprg_rules.handlers.decisions import RulesDeps
from sprg_rules.handlers.packs import AdminDeps
from sprg_rules.settings import RulesSettings
from sprg_shared import concerns, topics
from sprg_shared.bus import Router
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.confirmed_calendar import ConfirmedCalendar
from sprg_shared.contracts.intake import (
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    EscalationRecorded,
    IncidentCorrected,
    IncidentReported,
    LcsprDecided,
    LcsprFactorsRecorded,
    LcsprPublicationRecorded,
    MeetingAttendanceRecorded,
    RapidReviewClosed,
    SinSubmitted,
)
from sprg_shared.ports import Bus, Publish, RuntimeBus, publisher
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service

SERVICE = "rules"
log = logging.getLogger(__name__)
Now = Callable[[], datetime]  # a time source (not a statutory clock)

# Which handler decides on which of intake's facts.
ROUTES = (
    (IncidentReported, handlers.on_incident_reported),
    (SinSubmitted, handlers.on_sin_submitted),
    (IncidentCorrected, handlers.on_incident_corrected),
    (RapidReviewClosed, handlers.on_rapid_review_closed),
    (LcsprDecided, handlers.on_lcspr_decided),
    (LcsprPublicationRecorded, handlers.on_publication_recorded),
    (LcsprFactorsRecorded, handlers.on_subject_fact),
    (CaseOfConcernReferred, handlers.on_subject_fact),
    (CaseOfConcernTriaged, handlers.on_subject_fact),
    (EscalationRecorded, handlers.on_subject_fact),
    (MeetingAttendanceRecorded, handlers.on_subject_fact),
)


def system_now() -> datetime:
    return datetime.now(UTC)


def shipped_packs() -> ActivePacks:
    """Every shipped pack (the incident's and each other matter's), until others are activated."""
    builtin = PackSet().activate(load_default_pack(), sequence=-1)
    for kind in KINDS:
        builtin = builtin.activate(load_kind_pack(kind), sequence=-1)
    return ActivePacks(builtin)


@dataclass(frozen=True)
class Judging:
    """Which pack judges what, on which calendar, with which engine."""

    pack_in_force: Callable[[CaseFacts], RulePack]
    judge: Callable[[CaseFacts], Evaluation]
    kind_pack: Callable[[str], RulePack]
    decide_subject: Callable[[str, dict[str, Any]], Decided]


def judging(
    settings: RulesSettings,
    packs: ActivePacks,
    engine: RuleEngine,
    calendar: Callable[[], WorkingDayCalendar],
    now: Now,
) -> Judging:
    pack_id = settings.pack_id

    def pack_in_force(facts: CaseFacts) -> RulePack:
        """The pack in force on the date the duty arose (the local authority's awareness)."""
        current = packs.current()
        try:
            return current.in_force(pack_id, facts.aware_date)
        except NoPackInForce:
            log.warning(
                "no pack in force on the case's date; using the latest",
                extra={"aware_date": facts.aware_date.isoformat()},
            )
            return current.latest(pack_id)

    def judge(facts: CaseFacts) -> Evaluation:
        if isinstance(engine, ProcessRuleEngine):  # the whole evaluation in its child
            return engine.evaluate(facts, pack_in_force(facts), calendar())
        return evaluate(facts, pack_in_force(facts), calendar(), engine)

    def kind_pack(kind: str) -> RulePack:
        """The kind's pack in force today (its shipped pack until one is activated)."""
        current = packs.current()
        kind_pack_id = load_kind_pack(kind).pack.id
        try:
            return current.in_force(kind_pack_id, now().date())
        except NoPackInForce:
            return current.latest(kind_pack_id)

    def decide_subject(kind: str, facts: dict[str, Any]) -> Decided:
        return decide(kind, facts, calendar(), kind_pack(kind), engine)

    return Judging(pack_in_force, judge, kind_pack, decide_subject)


@dataclass(frozen=True)
class Rules:
    deps: RulesDeps
    judging: Judging
    publish: Publish
    router: Router


async def compose(
    settings: RulesSettings,
    *,
    decisions: DecisionStore,
    subjects: SubjectStore,
    bus: Bus,
    engine: RuleEngine,
    calendar: Callable[[], WorkingDayCalendar],
    registry: CollectorRegistry,
    packs: ActivePacks | None = None,
    now: Now = system_now,
    observers: Sequence[tuple[Sequence[type[Any]], Callable[[Any], Any]]] = (),
) -> Rules:
    """The rules on these adapters: stores ready, handlers subscribed to intake's facts."""
    packs = packs or shipped_packs()
    judged = judging(settings, packs, engine, calendar, now)
    publish = publisher(bus, f"sprg/{SERVICE}")
    deps = RulesDeps(
        evaluate=judged.judge,
        repo=decisions,
        publish=publish,
        now=now,
        decide_subject=judged.decide_subject,
        subjects=subjects,
        record=RulesMetrics(registry, packs).record,
    )
    await decisions.ensure_indexes()
    await subjects.ensure_indexes()
    router = Router()
    for event, handler in ROUTES:
        router.on(event, partial(handler, deps=deps))
    for events, observer in observers:
        router.observe(events, observer)
    bus.consume(settings.consumer_group, [topics.INTAKE], router)
    return Rules(deps=deps, judging=judged, publish=publish, router=router)


def build(settings: RulesSettings | None = None) -> FastAPI:
    """The service as it runs."""

    async def setup(
        app: FastAPI, runtime: Runtime, settings: RulesSettings, background: Background
    ) -> None:
        packs = shipped_packs()
        # Closure days the scheduler's administrators confirmed (sprg.calendar): the same
        # calendar version for the due dates decided here as for the clocks counted there.
        calendar = ConfirmedCalendar(settings.kafka_bootstrap_servers)
        # What the pack administration compares with: the calendar as it stood when the
        # service was put together, before the feed was read (kept as it was).
        admin_calendar = calendar.current()
        # Each pack version compiled stays in durable_rules for good: keep them in a child
        # process that is replaced before they pile up (adapters/engine_process.py).
        engine = ProcessRuleEngine(max_rulesets=settings.engine_max_rulesets)
        runtime.closers.append(engine.close)
        watcher = PackWatcher(settings.kafka_bootstrap_servers, packs)
        store = PackStore(runtime.db)
        await store.ensure_indexes()
        app.state.concerns = concerns.Concerns(runtime.db)
        await app.state.concerns.ensure_indexes()
        watcher.start()
        runtime.closers.append(watcher.stop)
        calendar.start()
        runtime.closers.append(calendar.stop)
        runtime.checks["calendar"] = calendar.alive
        runtime.checks["rulepacks"] = lambda: watcher.alive() and watcher.caught_up.is_set()
        # Decide nothing until every activated pack is known: a case must not be judged
        # by the built-in pack while a newer one is in force.
        wait = settings.pack_catch_up_seconds
        if not await asyncio.to_thread(watcher.caught_up.wait, wait):
            raise RuntimeError(f"{topics.RULEPACKS} not read within {wait}s")
        if not await asyncio.to_thread(calendar.caught_up.wait, wait):
            raise RuntimeError(f"{topics.CALENDAR} not read within {wait}s")
        rules = await compose(
            settings,
            decisions=DecisionRepository(runtime.db),
            subjects=SubjectRepository(runtime.db),
            bus=RuntimeBus(runtime),
            engine=engine,
            calendar=calendar.current,
            registry=runtime.registry,
            packs=packs,
            # Who each case concerns, for an agency's reads (sprg_shared.concerns).
            observers=[(concerns.EVENTS, app.state.concerns.note)],
        )
        app.state.deps = rules.deps
        app.state.admin = AdminDeps(
            store=store,
            decisions=rules.deps.repo,
            packs=packs,
            pack_in_force=rules.judging.pack_in_force,
            calendar=admin_calendar,
            engine=engine,
            publish=rules.publish,
            now=system_now,
            subjects=rules.deps.subjects,
            kind_pack=rules.judging.kind_pack,
        )

    app = build_service(
        service=SERVICE,
        title="SPRG rules",
        description="Statutory decisions from a versioned rule pack, each one explained.",
        load_settings=lambda: settings or RulesSettings(),
        setup=setup,
    )
    add_routes(app)
    return app

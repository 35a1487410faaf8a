"""Builds the rules service's adapters from its settings and the runtime."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sprg_rules.adapters.engine_process import ProcessRuleEngine
from sprg_rules.adapters.metrics import RulesMetrics
from sprg_rules.adapters.pack_store import PackStore
from sprg_rules.adapters.pack_watcher import ActivePacks, PackWatcher
from sprg_rules.adapters.repository import DecisionRepository
from sprg_rules.adapters.subjects import SubjectRepository
from sprg_rules.domain.decide import KINDS, Decided, decide, load_kind_pack
from sprg_rules.domain.evaluate import Evaluation, RulePack
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.loader import load_default_pack
from sprg_rules.domain.registry import NoPackInForce, PackSet
from sprg_rules.handlers.decisions import RulesDeps
from sprg_rules.handlers.packs import AdminDeps
from sprg_rules.settings import RulesSettings
from sprg_shared.calendar_feed import CalendarFeed
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.runtime import Runtime

SERVICE = "rules"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rules:
    deps: RulesDeps
    admin: AdminDeps
    watcher: PackWatcher
    calendar: CalendarFeed


def build(runtime: Runtime, settings: RulesSettings) -> Rules:
    builtin = PackSet().activate(load_default_pack(), sequence=-1)
    for kind in KINDS:  # each matter beyond an incident has its own pack, shipped too
        builtin = builtin.activate(load_kind_pack(kind), sequence=-1)
    packs = ActivePacks(builtin)
    # Closure days the scheduler's administrators confirmed (sprg.calendar): the same
    # calendar version for the due dates decided here as for the clocks counted there.
    calendar = CalendarFeed(settings.kafka_bootstrap_servers)
    # Each pack version compiled stays in durable_rules for good: keep them in a child
    # process that is replaced before they pile up (adapters/engine_process.py).
    engine = ProcessRuleEngine(max_rulesets=settings.engine_max_rulesets)
    runtime.closers.append(engine.close)
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
        return engine.evaluate(facts, pack_in_force(facts), calendar.current())

    def kind_pack(kind: str) -> RulePack:
        """The kind's pack in force today (its shipped pack until one is activated)."""
        current = packs.current()
        pack_id = load_kind_pack(kind).pack.id
        try:
            return current.in_force(pack_id, datetime.now(UTC).date())
        except NoPackInForce:
            return current.latest(pack_id)

    def decide_subject(kind: str, facts: dict[str, Any]) -> Decided:
        return decide(kind, facts, calendar.current(), kind_pack(kind), engine)

    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        return await runtime.publish(event, event_id=event_id, traceparent=traceparent)

    decisions = DecisionRepository(runtime.db)
    subjects = SubjectRepository(runtime.db)
    now = lambda: datetime.now(UTC)  # noqa: E731
    return Rules(
        deps=RulesDeps(
            evaluate=judge,
            repo=decisions,
            publish=publish,
            now=now,
            decide_subject=decide_subject,
            subjects=subjects,
            record=RulesMetrics(runtime.registry, packs).record,
        ),
        admin=AdminDeps(
            store=PackStore(runtime.db),
            decisions=decisions,
            packs=packs,
            pack_in_force=pack_in_force,
            calendar=calendar.current(),
            engine=engine,
            publish=publish,
            now=now,
            subjects=subjects,
            kind_pack=kind_pack,
        ),
        watcher=PackWatcher(settings.kafka_bootstrap_servers, packs),
        calendar=calendar,
    )

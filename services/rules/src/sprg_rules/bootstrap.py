"""Builds the rules service's adapters from its settings and the runtime."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sprg_rules.adapters.engine_process import ProcessRuleEngine
from sprg_rules.adapters.pack_store import PackStore
from sprg_rules.adapters.pack_watcher import ActivePacks, PackWatcher
from sprg_rules.adapters.repository import DecisionRepository
from sprg_rules.admin import AdminDeps
from sprg_rules.domain.evaluate import Evaluation, RulePack
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.loader import load_default_pack
from sprg_rules.domain.registry import NoPackInForce, PackSet
from sprg_rules.handlers import RulesDeps
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
    builtin = load_default_pack()
    packs = ActivePacks(PackSet().activate(builtin, sequence=-1))
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

    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        return await runtime.publish(event, event_id=event_id, traceparent=traceparent)

    decisions = DecisionRepository(runtime.db)
    now = lambda: datetime.now(UTC)  # noqa: E731
    return Rules(
        deps=RulesDeps(evaluate=judge, repo=decisions, publish=publish, now=now),
        admin=AdminDeps(
            store=PackStore(runtime.db),
            decisions=decisions,
            packs=packs,
            pack_in_force=pack_in_force,
            calendar=calendar.current(),
            engine=engine,
            publish=publish,
            now=now,
        ),
        watcher=PackWatcher(settings.kafka_bootstrap_servers, packs),
        calendar=calendar,
    )

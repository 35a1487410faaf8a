"""Builds the rules service's adapters from its settings and the runtime."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from sprg_rules.adapters.repository import DecisionRepository
from sprg_rules.domain.engine import default_engine
from sprg_rules.domain.evaluate import RulePack, evaluate
from sprg_rules.domain.loader import load_default_pack
from sprg_rules.handlers import RulesDeps
from sprg_rules.settings import RulesSettings
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.runtime import Runtime

SERVICE = "rules"


def build_deps(runtime: Runtime, settings: RulesSettings) -> tuple[RulesDeps, RulePack]:
    pack = load_default_pack()
    calendar = WorkingDayCalendar()

    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        return await runtime.publish(event, event_id=event_id, traceparent=traceparent)

    deps = RulesDeps(
        evaluate=partial(evaluate, rulepack=pack, calendar=calendar, engine=default_engine()),
        repo=DecisionRepository(runtime.db),
        publish=publish,
        now=lambda: datetime.now(UTC),
    )
    return deps, pack

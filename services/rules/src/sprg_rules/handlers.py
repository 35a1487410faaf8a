"""What happens when facts arrive: the pack decides, the decision is stored and published."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sprg_rules.adapters.repository import DecisionRepository
from sprg_rules.domain.assess import to_contract
from sprg_rules.domain.evaluate import Evaluation
from sprg_rules.domain.facts import CaseFacts, ChildFacts, Event
from sprg_shared.bus import PermanentError
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.events import (
    CaseAssessed,
    ClockDue,
    Decision,
    IncidentReported,
    RulepackRef,
    SinSubmitted,
)
from sprg_shared.ids import stable_id
from sprg_shared.tracing import child_traceparent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RulesDeps:
    evaluate: Callable[[CaseFacts], Evaluation]
    repo: DecisionRepository
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    record: Callable[[Evaluation], None] = lambda _result: None
    """Counts the decision in the service's metrics."""


def facts_from(event: IncidentReported) -> CaseFacts:
    """The rules' view of a reported incident: derived facts only, as they came on the bus."""
    return CaseFacts(
        aware_date=event.aware_date,
        event=Event.model_validate(event.incident.model_dump()),
        children=tuple(
            ChildFacts(
                age=child.age_years,
                looked_after=child.looked_after,
                care_leaver=child.care_leaver,
                normally_resident_in_area=child.normally_resident_in_area,
            )
            for child in event.children
        ),
    )


def case_assessed(case_id: str, trigger: str, result: Evaluation) -> CaseAssessed:
    contract: dict[str, Any] = to_contract(case_id, result)
    panel = contract["panel_notification"]
    return CaseAssessed(
        case_id=case_id,
        trigger_event_id=trigger,
        rulepack=RulepackRef(id=result.pack_id, version=result.pack_version, hash=result.pack_hash),
        panel_notification_required=panel["required"],
        panel_notification_subsection=panel["subsection"],
        notifying_area=panel["notifying_area"],
        rapid_review_required=contract["rapid_review"]["required"],
        dfe_ofsted_reasons=tuple(contract["dfe_ofsted_notification"]["reasons"]),
        csab_liaison_required=contract["csab_liaison"]["required"],
        clocks=tuple(
            ClockDue(
                kind=kind,
                anchor=clock.anchor,
                anchor_date=clock.anchor_date,
                due=clock.due,
                rule=clock.rule,
                status=clock.status,
            )
            for kind, clock in sorted(result.clocks.items())
        ),
        decisions=tuple(Decision.model_validate(d.model_dump()) for d in result.decisions),
    )


async def on_incident_reported(
    event: IncidentReported, envelope: Envelope, deps: RulesDeps
) -> None:
    await _decide(event.case_id, facts_from(event), envelope, deps)


async def on_sin_submitted(event: SinSubmitted, envelope: Envelope, deps: RulesDeps) -> None:
    """The notification went to the Panel: the SIN clock is met or late, and the Rapid
    Review clock re-anchors on the submission (per the pack's setting)."""
    stored = await deps.repo.facts_of(event.case_id)
    if stored is None:
        raise PermanentError(f"SIN submitted for case {event.case_id}, which was never reported")
    facts = CaseFacts.model_validate({**stored, "sin_submitted_date": event.submitted_date})
    await _decide(event.case_id, facts, envelope, deps)


async def _decide(case_id: str, facts: CaseFacts, envelope: Envelope, deps: RulesDeps) -> None:
    # durable_rules is synchronous (and serialised by the engine): keep it off the loop.
    result = await asyncio.to_thread(deps.evaluate, facts)
    assessed = case_assessed(case_id, envelope.id, result)
    # Re-evaluating the same facts under the same pack gives the same id: harmless twice.
    decision_id = stable_id("case.assessed", envelope.id, result.pack_hash)
    await deps.repo.save(decision_id, assessed, facts.model_dump(mode="json"), deps.now())
    await deps.publish(assessed, decision_id, child_traceparent(envelope.traceparent))
    deps.record(result)
    log.info(
        "case assessed",
        extra={
            "case_id": case_id,
            "rulepack": f"{result.pack_id}@{result.pack_version}",
            "panel_notification_required": assessed.panel_notification_required,
        },
    )

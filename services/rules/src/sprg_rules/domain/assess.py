"""The assessment contract (shared/spec/assessment-contract.md): input in, answer out.

Used by ``sprg assess`` and by the rules service's ``POST /v1/assessments``; events from
the bus carry ``CaseFacts`` and use ``assess_facts`` directly.
"""

from __future__ import annotations

from typing import Any

from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import Evaluation, RulePack, evaluate
from sprg_rules.domain.facts import AssessmentInput, CaseFacts, derive_facts
from sprg_shared.calendar import WorkingDayCalendar


def assess(
    case: AssessmentInput,
    rulepack: RulePack,
    calendar: WorkingDayCalendar,
    engine: RuleEngine | None = None,
) -> dict[str, Any]:
    """The contract's output for one assessment input."""
    return assess_facts(case.case_id, derive_facts(case), rulepack, calendar, engine)


def assess_facts(
    case_id: str,
    facts: CaseFacts,
    rulepack: RulePack,
    calendar: WorkingDayCalendar,
    engine: RuleEngine | None = None,
) -> dict[str, Any]:
    """The contract's output from derived facts alone (no dates of birth needed)."""
    return to_contract(case_id, evaluate(facts, rulepack, calendar, engine))


def to_contract(case_id: str, result: Evaluation) -> dict[str, Any]:
    outcomes = {outcome for outcome, _ in result.fired}
    details = {detail for _, detail in result.fired}
    required = "panel_notification_required" in outcomes
    subsections = sorted(d.removeprefix("subsection=") for d in details if d.startswith("subs"))
    if required:
        notifying_area: str | None = "this_area"
    elif "other_area_notifies" in outcomes:
        notifying_area = "other_area"
    else:
        notifying_area = None
    reasons = sorted(d.removeprefix("reason=") for d in details if d.startswith("reason="))
    clocks: dict[str, Any] = {}
    for name, clock in result.clocks.items():
        clocks[name] = {"due": clock.due.isoformat()}
        if clock.status is not None:
            clocks[name]["status"] = clock.status
    return {
        "case_id": case_id,
        "rulepack": {"id": result.pack_id, "version": result.pack_version},
        "panel_notification": {
            "required": required,
            "subsection": subsections[0] if required and subsections else None,
            "notifying_area": notifying_area,
        },
        "rapid_review": {"required": "rapid_review_required" in outcomes},
        "dfe_ofsted_notification": {"required": bool(reasons), "reasons": reasons},
        "csab_liaison": {"required": "csab_liaison_required" in outcomes},
        "clocks": clocks,
        "decisions": [decision.model_dump(mode="json") for decision in result.decisions],
    }

"""Each decision kind's answer, read from what its pack decided (never decided again here).

The answer names outcomes the pack fired and quotes its tables; the reasons and sources
stay in the evaluation's decisions, produced by the same code that decided.
"""

from __future__ import annotations

from typing import Any

from sprg_rules.domain.evaluate import Decision, Evaluation, RulePack
from sprg_rules.domain.pack_tables import Tables
from sprg_rules.domain.subject_facts import (
    FACTORS,
    REG11_FACTORS,
    CaseOfConcernFacts,
    EscalationFacts,
    LcsprDecisionFacts,
    MeetingFacts,
    PublicationFacts,
)

PerView = tuple[frozenset[str], ...]
Answer = dict[str, Any]

_CRITERIA = {
    "improvements_needed": "reg 11(a)",
    "recurrent_themes": "reg 11(b)",
    "agencies_working_together": "reg 11(c)",
    "panel_local_review": "reg 11(d)",
}
_RECOMMENDATION = {
    "lcspr_commissioning_recommended": "recommend_commissioning",
    "lcspr_commissioning_to_consider": "consider_commissioning",
    "lcspr_commissioning_not_indicated": "not_indicated",
}


class IncompletePackError(RuntimeError):
    """The pack did not decide something every answer of its kind needs."""


def _detail(rulepack: RulePack, decision: Decision) -> dict[str, str]:
    """The outcome detail behind a decision (a question: that of the rules it asks about)."""
    pack = rulepack.pack
    for rule in pack.rules:
        if rule.id == decision.rule:
            return rule.detail
    question = next(q for q in pack.questions if q.id == decision.rule)
    return pack.rule(question.rules[0]).detail


def _explained(decision: Decision) -> Answer:
    return {"because": list(decision.because), "source": decision.source}


def _one(evaluation: Evaluation, outcomes: dict[str, str], what: str) -> tuple[str, Decision]:
    found = [d for d in evaluation.decisions if d.outcome in outcomes]
    if len({d.outcome for d in found}) != 1:
        msg = f"pack {evaluation.pack_id} {evaluation.pack_version}: no single {what}"
        raise IncompletePackError(msg)
    return outcomes[found[0].outcome], found[0]


def lcspr_decision(
    facts: LcsprDecisionFacts, result: Evaluation, _views: PerView, rulepack: RulePack
) -> Answer:
    factors: list[Answer] = []
    for name in FACTORS:
        decision = next(
            (
                d
                for d in result.decisions
                if d.outcome in {"factor_present", "factor_absent"}
                and _detail(rulepack, d).get("factor") == name
            ),
            None,
        )
        if decision is None:
            msg = f"pack {result.pack_id}: factor {name!r} is not explained"
            raise IncompletePackError(msg)
        factors.append(
            {
                "factor": name,
                "criterion": _CRITERIA.get(name, "local (the seed)"),
                "present": decision.outcome == "factor_present",
                **_explained(decision),
            }
        )
    if any(f["present"] != facts.factors.get(f["factor"]).present for f in factors):
        msg = f"pack {result.pack_id}: a factor is reported other than people recorded it"
        raise IncompletePackError(msg)
    recommendation, decision = _one(result, _RECOMMENDATION, "recommendation")
    outcomes = {outcome for outcome, _ in result.fired}
    return {
        "factors": factors,
        "reg11_criteria_present": [
            f["factor"] for f in factors if f["present"] and f["factor"] in REG11_FACTORS
        ],
        "recommendation": {"outcome": recommendation, **_explained(decision)},
        "case_of_concern_to_consider": "case_of_concern_to_consider" in outcomes,
        "decided_by": "the safeguarding partners (the system recommends; people decide)",
    }


_COC_ROUTE = {
    "coc_statutory_route": "statutory_route",
    "coc_triage_pending": "triage_pending",
    "coc_advice_outside_review": "advice_outside_review",
    "coc_listed_for_meeting": "listed_for_meeting",
}


def case_of_concern(
    facts: CaseOfConcernFacts, result: Evaluation, _views: PerView, rulepack: RulePack
) -> Answer:
    route, decision = _one(result, _COC_ROUTE, "route")
    outcomes = {outcome for outcome, _ in result.fired}
    tables = rulepack.pack.tables
    listed = route == "listed_for_meeting"
    return {
        "route": route,
        "because": list(decision.because),
        "source": decision.source,
        "meeting": _detail(rulepack, decision).get("meeting") if listed else None,
        "approach": {
            "to_agree": "coc_approach_to_agree" in outcomes,
            "agreed": facts.approach if "coc_approach_agreed" in outcomes else None,
            "options": [row.model_dump() for row in tables.coc_approaches] if listed else [],
        },
    }


def escalation(
    facts: EscalationFacts, result: Evaluation, _views: PerView, rulepack: RulePack
) -> Answer:
    outcomes = {outcome for outcome, _ in result.fired}
    row = _tables(rulepack).stage(facts.stage)
    copy = (
        "sent"
        if "cscp_copy_sent" in outcomes
        else "outstanding"
        if "cscp_copy_outstanding" in outcomes
        else None
    )
    return {
        "tracked": "escalation_tracked" in outcomes,
        "cscp_copy": copy,
        "sprg_oversight": "sprg_oversight" in outcomes,
        "stage": row.model_dump() if row else None,
    }


def meeting(facts: MeetingFacts, result: Evaluation, views: PerView, rulepack: RulePack) -> Answer:
    outcomes = {outcome for outcome, _ in result.fired}
    partners = _tables(rulepack).quorum_partners
    flagged = {"meeting_inquorate", "meeting_forecast_inquorate"}
    unrepresented = []
    for partner, fired in zip(partners, views, strict=True):
        if not fired & flagged:
            continue
        apologies = [m.role for m in facts.members if m.partner == partner.id
                     and m.attendance == "apologies"]  # fmt: skip
        unrepresented.append(
            {
                "partner": partner.id,
                "name": partner.name,
                "apologies_from": apologies,
                "tell": ["the Chair", *apologies] if not facts.held else [],
            }
        )
    return {
        "held": facts.held,
        "quorate": ("meeting_quorate" in outcomes) if facts.held else None,
        "forecast_inquorate": None if facts.held else "meeting_forecast_inquorate" in outcomes,
        "unrepresented": unrepresented,
    }


_PRESS = {
    "press_office_to_be_told": "to_be_told",
    "press_office_told": "told",
    "press_office_told_late": "told_late",
}


def lcspr_publication(
    facts: PublicationFacts, result: Evaluation, views: PerView, _rulepack: RulePack
) -> Answer:
    publish, decision = _one(
        result,
        {"lcspr_report_published": "report", "lcspr_improvements_published": "improvements_only"},
        "publication",
    )
    offices = []
    for agency, fired in zip(facts.agencies, views, strict=True):
        status = next((_PRESS[o] for o in sorted(fired) if o in _PRESS), None)
        offices.append({"agency": agency.name, "status": status})
    return {
        "publish": publish,
        **_explained(decision),
        "press_offices": offices,
        "press_offices_to_tell": [o["agency"] for o in offices if o["status"] == "to_be_told"],
    }


def _tables(rulepack: RulePack) -> Tables:
    return rulepack.pack.tables

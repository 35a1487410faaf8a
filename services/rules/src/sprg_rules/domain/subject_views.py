"""The flat fact snapshots the rules read for each decision kind beyond an incident.

Like an incident's one snapshot per child, a meeting has one per statutory partner and a
publication one per involved agency: a rule fires when any snapshot fires it, and its
reasons name the partner or agency that made it so.
"""

from __future__ import annotations

from datetime import date

from sprg_rules.domain.pack_tables import Tables
from sprg_rules.domain.subject_facts import (
    FACTORS,
    REG11_FACTORS,
    CaseOfConcernFacts,
    EscalationFacts,
    LcsprDecisionFacts,
    MeetingFacts,
    MemberAttendance,
    PublicationFacts,
)
from sprg_rules.domain.vocabulary import Scalar

Base = dict[str, Scalar]


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def lcspr_decision_views(facts: LcsprDecisionFacts, _tables: Tables) -> list[Base]:
    factors = {name: facts.factors.get(name) for name in FACTORS}
    view: Base = {
        "case.serious": facts.serious_child_safeguarding_case,
        "factors.criteria_present": sum(factors[name].present for name in REG11_FACTORS),
        "factors.other_present": sum(
            factor.present for name, factor in factors.items() if name not in REG11_FACTORS
        ),
    }
    for name, factor in factors.items():
        view[f"factor.{name}"] = factor.present
        view[f"factor.{name}.because"] = factor.because
    return [view]


def case_of_concern_views(facts: CaseOfConcernFacts, tables: Tables) -> list[Base]:
    approach = tables.approach(facts.approach) if facts.approach else None
    return [
        {
            "coc.meets_sin_criteria": facts.meets_sin_criteria,
            "coc.meets_spr_criteria": facts.meets_spr_criteria,
            "coc.triage": facts.triage,
            "coc.meeting": facts.meeting or "none",
            "coc.approach": facts.approach or "not_agreed",
            "coc.approach_title": approach.title if approach else facts.approach,
        }
    ]


class UnknownStageError(ValueError):
    """The escalation names a stage the pack's stage table does not have."""


def escalation_views(facts: EscalationFacts, tables: Tables) -> list[Base]:
    row = tables.stage(facts.stage)
    if row is None:
        msg = f"stage: no stage {facts.stage} in the escalation stage table"
        raise UnknownStageError(msg)
    return [
        {
            "escalation.stage": facts.stage,
            "escalation.stage_name": row.name,
            "escalation.formal": row.formal,
            "escalation.resolved": facts.resolved_date is not None,
            "escalation.stage_started_date": _iso(facts.stage_started_date),
            "escalation.copy_to_cscp_date": _iso(facts.copy_to_cscp_date),
        }
    ]


def _represents(member: MemberAttendance, held: bool) -> bool:
    """Attended (or, before the meeting, is expected) in person or by a suitable proxy."""
    if member.attendance == "proxy":
        return member.proxy_similar_seniority is True
    return member.attendance == ("in_person" if held else "expected")


def meeting_views(facts: MeetingFacts, tables: Tables) -> list[Base]:
    held = facts.held
    partners = {row.id: row.name for row in tables.quorum_partners}
    represented = {
        partner: any(m.partner == partner and _represents(m, held) for m in facts.members)
        for partner in partners
    }
    views: list[Base] = []
    for partner, name in partners.items():
        own = [m for m in facts.members if m.partner == partner]
        apologies = [
            m
            for m in own
            if m.apologies_received_date is not None
            and m.apologies_received_date < facts.meeting_date
        ]
        unsuitable = [m for m in own if m.attendance == "proxy" and not m.proxy_similar_seniority]
        views.append(
            {
                "meeting.held": held,
                "meeting.partners_unrepresented": sum(not ok for ok in represented.values()),
                "partner.id": partner,
                "partner.name": name,
                "partner.represented": represented[partner],
                "partner.apologies": len(apologies),
                "partner.apologies_from": ", ".join(m.role for m in apologies) or "no one",
                "partner.unsuitable_proxies": len(unsuitable),
            }
        )
    return views


def publication_views(facts: PublicationFacts, _tables: Tables) -> list[Base]:
    planned = facts.planned_publication_date
    views: list[Base] = []
    for agency in facts.agencies:
        told = agency.press_office_told_date
        views.append(
            {
                "publication.inappropriate": facts.partners_consider_inappropriate,
                "publication.because": facts.because,
                "publication.planned_date": _iso(planned),
                "agency.name": agency.name,
                "agency.press_office_told": told is not None,
                "agency.told_before_publication": told is not None
                and (planned is None or told < planned),
                "agency.press_office_told_date": _iso(told),
            }
        )
    return views

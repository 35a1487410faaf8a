"""The rules' facts from what intake publishes: pure translations, no I/O.

Intake keeps the words people write (why a factor is present, why publication would be
inappropriate) encrypted on its side; the bus carries only the findings. Where a kind's
facts need words, the explanation says where the words are kept rather than inventing
them.
"""

from __future__ import annotations

from typing import Any

from sprg_shared.contracts.intake import (
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    EscalationRecorded,
    IncidentCorrected,
    LcsprDecided,
    LcsprFactorsRecorded,
    LcsprPublicationRecorded,
    MeetingAttendanceRecorded,
    RapidReviewClosed,
)

Facts = dict[str, Any]
WORDS_IN_INTAKE = "the partners' reasons are recorded with the case in intake"


def corrected_case(stored: Facts | None, event: IncidentCorrected) -> Facts:
    """The case's facts after a correction, keeping what was recorded since the report."""
    kept = {"sin_submitted_date", "criteria_not_met_date", "lcspr"}
    later = {k: v for k, v in (stored or {}).items() if k in kept}
    return {
        **later,
        "aware_date": event.aware_date.isoformat(),
        "event": event.incident.model_dump(mode="json"),
        "children": [
            {
                "age_years": child.age_years,
                "looked_after": child.looked_after,
                "care_leaver": child.care_leaver,
                "normally_resident_in_area": child.normally_resident_in_area,
            }
            for child in event.children
        ],
    }


def closed_case(stored: Facts, event: RapidReviewClosed) -> Facts:
    return {**stored, "criteria_not_met_date": event.closed_date.isoformat()}


def lcspr_case(stored: Facts, event: LcsprDecided | LcsprPublicationRecorded) -> Facts | None:
    """The case's LCSPR facts after a decision or a planned publication date; None if unchanged."""
    lcspr = dict(stored.get("lcspr") or {})
    if isinstance(event, LcsprDecided):
        if event.decision != "commission":
            return None
        lcspr["commissioned_date"] = event.decided_date.isoformat()
    else:
        if event.planned_publication_date is None:
            return None
        lcspr["planned_publication_date"] = event.planned_publication_date.isoformat()
    if lcspr == (stored.get("lcspr") or {}):
        return None
    return {**stored, "lcspr": lcspr}


def coc_referral(event: CaseOfConcernReferred, triage: Facts | None) -> Facts:
    """A Case of Concern: pending triage until the Business Manager's outcome is known."""
    return {
        "meets_sin_criteria": event.meets_sin_criteria,
        "meets_spr_criteria": event.meets_spr_criteria,
        **(triage or {"triage": "pending"}),
    }


def coc_triage(event: CaseOfConcernTriaged) -> Facts:
    facts: Facts = {"triage": event.triage}
    if event.meeting is not None:
        facts["meeting"] = event.meeting
    if event.approach is not None:
        facts["approach"] = event.approach
    return facts


def escalation(event: EscalationRecorded) -> Facts:
    facts: Facts = {
        "stage": event.stage,
        "stage_started_date": event.stage_started_date.isoformat(),
    }
    if event.resolved_date is not None:
        facts["resolved_date"] = event.resolved_date.isoformat()
    if event.copy_to_cscp_date is not None:
        facts["copy_to_cscp_date"] = event.copy_to_cscp_date.isoformat()
    return facts


def meeting(event: MeetingAttendanceRecorded) -> Facts:
    return {
        "meeting_date": event.meeting_date.isoformat(),
        "as_of": event.as_of.isoformat(),
        # the seat is intake's link to the membership; quoracy reads role, partner, attendance
        "members": [
            m.model_dump(mode="json", exclude_none=True, exclude={"seat"}) for m in event.members
        ],
    }


def lcspr_decision(event: LcsprFactorsRecorded) -> Facts:
    return {
        "serious_child_safeguarding_case": event.serious_child_safeguarding_case,
        "factors": {
            name: {"present": record.present, "because": WORDS_IN_INTAKE}
            for name, record in event.factors.items()
        },
    }


def publication(event: LcsprPublicationRecorded) -> Facts:
    told_on = event.recorded_at.date().isoformat()
    facts: Facts = {
        "partners_consider_inappropriate": event.not_publishing,
        "agencies": [
            {"name": agency, "press_office_told_date": told_on}
            if agency in event.press_offices_told
            else {"name": agency}
            for agency in event.agencies
        ],
    }
    if event.not_publishing:
        facts["because"] = WORDS_IN_INTAKE
    if event.planned_publication_date is not None:
        facts["planned_publication_date"] = event.planned_publication_date.isoformat()
    return facts


# What people need to act on a decision, carried beside it (codes and dates, no words).


def escalation_about(event: EscalationRecorded) -> Facts:
    return {
        "raised_by_agency": event.raised_by_agency,
        "with_agency": event.with_agency,
        "stage": event.stage,
        "stage_started_date": event.stage_started_date.isoformat(),
        "resolved_date": event.resolved_date and event.resolved_date.isoformat(),
        "copy_to_cscp_date": event.copy_to_cscp_date and event.copy_to_cscp_date.isoformat(),
        "history": [
            {"stage": step.stage, "started_date": step.started_date.isoformat()}
            for step in event.history
        ],
    }


def publication_about(event: LcsprPublicationRecorded) -> Facts:
    return {
        "planned_publication_date": event.planned_publication_date
        and event.planned_publication_date.isoformat(),
        "published_date": event.published_date and event.published_date.isoformat(),
        "agencies": list(event.agencies),
    }

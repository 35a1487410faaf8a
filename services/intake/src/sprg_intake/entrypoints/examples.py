"""Example bodies for the OpenAPI document, one per input (made-up people only)."""

from __future__ import annotations

from typing import Any

CORRECTION = {"aware_date": "2026-04-03", "reason": "The LA's duty log shows the call on 3 April."}
CASE_OF_CONCERN = {
    "referred_date": "2026-05-04",
    "referrer_name": "A. Practitioner",
    "referrer_role": "Designated Safeguarding Lead",
    "children": [{"name": "Child B", "date_of_birth": "2015-06-01"}],
    "meets_sin_criteria": False,
    "meets_spr_criteria": False,
    "agencies_involved": ["croydon-csc", "met-police"],
    "concern": "Repeated missed health appointments were not shared between agencies.",
    "learning_sought": "How information on missed appointments reaches the school.",
}
TRIAGE = {
    "triage": "list_for_meeting",
    "triaged_date": "2026-05-06",
    "meeting": "sprg",
    "advice": "Discussed with the Independent Scrutineer.",
}
ESCALATION = {
    "with_agency": "croydon-health-services",
    "stage": 3,
    "stage_started_date": "2026-05-01",
    "copy_to_cscp_date": "2026-05-01",
    "summary": "Disagreement about the threshold for a strategy meeting.",
}
ESCALATION_UPDATE = {"stage": 4, "stage_started_date": "2026-05-08", "note": "Not resolved."}
TAGS = {
    "subject_id": "3f1c...",
    "review_type": "rapid_review",
    "tags": ["neglect", "information_sharing"],
}
INFORMATION_REQUEST = {
    "agency": "met-police",
    "kind": "imr",
    "requested_date": "2026-04-09",
    "due_date": "2026-04-16",
}
RAPID_REVIEW = {
    "held_date": "2026-04-20",
    "purposes": [
        {"purpose": "gather_facts", "addressed": True},
        {"purpose": "immediate_safety_action", "addressed": True, "notes": "Siblings safe."},
        {"purpose": "potential_national_learning", "addressed": True},
        {"purpose": "lcspr_decision", "addressed": True},
    ],
    "recommendation": "lcspr",
    "partners_view": "local_review",
}
NOTICE = {"notified_date": "2026-04-08"}
SENT_TO_PANEL = {"sent_date": "2026-04-22"}
CLOSURE = {"closed_date": "2026-04-10", "rationale": "The harm was found not to be serious."}
FACTORS = {
    "serious_child_safeguarding_case": True,
    "factors": {
        "improvements_needed": {"present": True, "explanation": "Missed referrals."},
        "recurrent_themes": {"present": False},
        "agencies_working_together": {"present": True, "explanation": "Health and police."},
        "panel_local_review": {"present": False},
        "improvements_previously_identified": {"present": False},
        "single_agency": {"present": False},
        "no_agency_involvement": {"present": False},
        "several_areas": {"present": False},
    },
}
DECISION = {
    "decision": "commission",
    "decided_date": "2026-04-20",
    "methodology": "systems_review",
    "panel_informed_date": "2026-04-22",
    "rationale": "Learning across three agencies.",
}
PROGRESS = {"milestone": "reviewer_appointed", "milestone_date": "2026-05-10"}
PUBLICATION = {
    "planned_publication_date": "2026-11-02",
    "agencies": ["croydon-csc", "met-police", "croydon-icb"],
    "press_offices_told": ["croydon-csc"],
}
MEETING = {"meeting_date": "2026-06-10", "chair_partner": "police", "papers_due_date": "2026-06-03"}
ATTENDANCE = {
    "as_of": "2026-06-05",
    "members": [
        {"role": "HOS Early Help & CSC", "partner": "csc", "attendance": "expected"},
        {
            "role": "Designated Nurse Safeguarding Children",
            "partner": "icb",
            "attendance": "apologies",
            "apologies_received_date": "2026-06-04",
        },
        {
            "role": "Detective Inspector",
            "partner": "police",
            "attendance": "proxy",
            "proxy_name": "DS Example",
            "proxy_similar_seniority": True,
        },
    ],
}
MINUTES = {"text": "1. Summary of reviews ...", "approved_date": "2026-08-12"}
ACTION = {
    "source_id": "meeting-id",
    "owner_agency": "croydon-icb",
    "owner_role": "Designated Nurse Safeguarding Children",
    "due_date": "2026-07-31",
    "description": "Circulate the 7-minute briefing to GP practices.",
}
ACTION_UPDATE = {"status": "done", "updated_date": "2026-07-20", "note": "Circulated."}
LEARNING = {
    "source_id": "case-id",
    "shared_date": "2026-09-01",
    "audiences": ["gp_practices", "schools"],
    "impact_reported": True,
    "impact": "Audit shows referrals now include missed appointments.",
}
MEMBER = {
    "seat": "met_police_detective_inspector",
    "name": "DI Example",
    "agency": "met-police",
    "proxies": ["DS Example"],
    "from_date": "2026-01-01",
}


def example(value: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"example": {"value": value}}

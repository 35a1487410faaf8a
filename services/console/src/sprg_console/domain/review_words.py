"""The words people choose from on the review forms, one per code intake accepts.

Each mapping's keys are exactly the vocabulary intake checks (``sprg_shared.contracts`` and
``sprg_shared.vocabulary``); ``tests/unit/test_console_case_work.py`` fails if a code is
added there without words here. People pick from these; nobody types a code.
"""

from __future__ import annotations

PURPOSES: dict[str, str] = {
    "gather_facts": "Gather the facts about the case, as far as they can readily be established",
    "immediate_safety_action": "Discuss whether any immediate action is needed to keep "
    "children safe, and share any learning",
    "potential_national_learning": "Consider whether the case may identify improvements "
    "that matter nationally",
    "lcspr_decision": "Decide what happens next, including whether to carry out a local "
    "child safeguarding practice review",
}

PURPOSE_ERRORS: dict[str, str] = {
    # one message each, so the error summary says which purpose is unanswered
    "gather_facts": "Select yes if the Rapid Review gathered the facts",
    "immediate_safety_action": "Select yes if the Rapid Review discussed immediate action "
    "to keep children safe",
    "potential_national_learning": "Select yes if the Rapid Review considered improvements "
    "that matter nationally",
    "lcspr_decision": "Select yes if the Rapid Review decided what happens next",
}

RECOMMENDATIONS: dict[str, str] = {
    "lcspr": "Carry out a local child safeguarding practice review (LCSPR)",
    "no_lcspr": "Do not carry out an LCSPR",
    "undecided": "Not decided yet",
}

PARTNERS_VIEWS: dict[str, str] = {
    "local_review": "A local review (an LCSPR)",
    "national_review": "Refer the case to the Panel for a national review",
    "no_review": "No review",
}

# A recommended LCSPR is a local review; a local review is an LCSPR (intake's rule too).
CONTRADICTIONS = {
    ("lcspr", "no_review"),
    ("lcspr", "national_review"),
    ("no_lcspr", "local_review"),
}

FACTORS: dict[str, str] = {
    "improvements_needed": "It highlights improvements needed to safeguard and promote "
    "the welfare of children",
    "recurrent_themes": "It highlights recurrent themes in safeguarding and promoting the "
    "welfare of children",
    "agencies_working_together": "It highlights concerns about two or more organisations "
    "or agencies working together",
    "panel_local_review": "The National Panel considered the case and concluded a local "
    "review may be more appropriate",
    "improvements_previously_identified": "Improvements needed were identified before",
    "single_agency": "There is concern about the actions of a single agency",
    "no_agency_involvement": "No agency was involved, and that gives the partners cause "
    "for concern",
    "several_areas": "More than one local authority, police area or integrated care "
    "board is involved",
}

LCSPR_DECISIONS: dict[str, str] = {
    "commission": "Commission an LCSPR",
    "do_not_commission": "Do not commission an LCSPR",
}

METHODOLOGIES: dict[str, str] = {
    "systems_review": "A systems review",
    "learning_together": "Learning Together",
    "significant_incident_learning_process": "Significant Incident Learning Process (SILP)",
    "appreciative_inquiry": "Appreciative inquiry",
    "practitioner_learning_event": "A practitioner learning event",
    "rapid_review_as_lcspr": "The Rapid Review serves as the LCSPR",
    "other": "Another way (say which in the reasons)",
}

MILESTONES: dict[str, str] = {
    "reviewer_appointed": "The reviewer was appointed",
    "started": "The review started",
    "draft_received": "The draft report was received",
    "final_report_received": "The final report was received",
    "sent_to_panel_and_secretary_of_state": "The final report was sent to the Panel and "
    "the Secretary of State",
}

TRIAGES: dict[str, str] = {
    "pending": "Not decided yet",
    "advice": "Give advice: it does not need a meeting",
    "list_for_meeting": "List it for a meeting",
}

COC_MEETINGS: dict[str, str] = {
    "sprg": "The SPRG",
    "other_cscp_meeting": "Another CSCP meeting",
}

COC_APPROACHES: dict[str, str] = {
    "internal_file_review": "An internal file review",
    "appreciative_inquiry": "Appreciative inquiry",
    "policy_review": "A review of policy",
}

ESCALATION_STAGES: dict[str, str] = {
    "1": "Stage 1: practitioner to practitioner",
    "2": "Stage 2: line managers",
    "3": "Stage 3: senior managers and safeguarding leads",
    "4": "Stage 4: heads of service",
    "5": "Stage 5: the safeguarding partners",
}

INCIDENT_KINDS: dict[str, str] = {
    "death": "A child died",
    "serious_harm": "A child was seriously harmed",
    "other": "Something else",
}

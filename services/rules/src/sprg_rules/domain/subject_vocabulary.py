"""The vocabularies of the decisions beyond an incident: one per pack ``subject``.

Fact names are namespaced per subject, so a fact means the same thing in every pack.
``subject_views.py`` fills these facts from the typed inputs in ``subject_facts.py``.
"""

from __future__ import annotations

from typing import get_args

from sprg_rules.domain.factspec import FactSpec, Vocabulary
from sprg_rules.domain.subject_facts import (
    FACTORS,
    CocApproach,
    CocMeeting,
    CocTriage,
    Partner,
)

_BOOL, _INT, _TEXT, _DATE = FactSpec("bool"), FactSpec("int"), FactSpec("text"), FactSpec("date")

LCSPR_DECISION = Vocabulary(
    subject="lcspr_decision",
    facts={
        "case.serious": _BOOL,
        "factors.criteria_present": _INT,
        "factors.other_present": _INT,
        **{f"factor.{name}": _BOOL for name in FACTORS},
        **{f"factor.{name}.because": _TEXT for name in FACTORS},
    },
    outcomes={
        "factor_present": {"factor": FACTORS},
        "factor_absent": {},
        "lcspr_commissioning_recommended": {},
        "lcspr_commissioning_to_consider": {},
        "lcspr_commissioning_not_indicated": {},
        "case_of_concern_to_consider": {},
    },
)

CASE_OF_CONCERN = Vocabulary(
    subject="case_of_concern",
    facts={
        "coc.meets_sin_criteria": _BOOL,
        "coc.meets_spr_criteria": _BOOL,
        "coc.triage": FactSpec("enum", get_args(CocTriage)),
        "coc.meeting": FactSpec("enum", ("none", *get_args(CocMeeting))),
        "coc.approach": FactSpec("enum", ("not_agreed", *get_args(CocApproach))),
        "coc.approach_title": _TEXT,
    },
    outcomes={
        "coc_statutory_route": {},
        "coc_triage_pending": {},
        "coc_advice_outside_review": {},
        "coc_listed_for_meeting": {"meeting": get_args(CocMeeting)},
        "coc_approach_to_agree": {},
        "coc_approach_agreed": {},
    },
)

ESCALATION = Vocabulary(
    subject="escalation",
    facts={
        "escalation.stage": _INT,
        "escalation.stage_name": _TEXT,
        "escalation.formal": _BOOL,
        "escalation.resolved": _BOOL,
        "escalation.stage_started_date": _DATE,
        "escalation.copy_to_cscp_date": _DATE,
    },
    outcomes={
        "escalation_tracked": {},
        "escalation_not_tracked": {},
        "cscp_copy_outstanding": {},
        "cscp_copy_sent": {},
        "sprg_oversight": {},
    },
)

MEETING = Vocabulary(
    subject="meeting",
    facts={
        "meeting.held": _BOOL,
        "meeting.partners_unrepresented": _INT,
        "partner.id": FactSpec("enum", get_args(Partner)),
        "partner.name": _TEXT,
        "partner.represented": _BOOL,
        "partner.apologies": _INT,
        "partner.apologies_from": _TEXT,
        "partner.unsuitable_proxies": _INT,
    },
    outcomes={
        "meeting_quorate": {},
        "meeting_inquorate": {},
        "meeting_forecast_quorate": {},
        "meeting_forecast_inquorate": {},
    },
)

LCSPR_PUBLICATION = Vocabulary(
    subject="lcspr_publication",
    facts={
        "publication.inappropriate": _BOOL,
        "publication.because": _TEXT,
        "publication.planned_date": _DATE,
        "agency.name": _TEXT,
        "agency.press_office_told": _BOOL,
        "agency.told_before_publication": _BOOL,
        "agency.press_office_told_date": _DATE,
    },
    outcomes={
        "lcspr_report_published": {},
        "lcspr_improvements_published": {},
        "press_office_to_be_told": {},
        "press_office_told": {},
        "press_office_told_late": {},
    },
)

SUBJECT_VOCABULARIES = (LCSPR_DECISION, CASE_OF_CONCERN, ESCALATION, MEETING, LCSPR_PUBLICATION)

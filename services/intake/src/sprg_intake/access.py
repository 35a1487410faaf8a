"""Who may call what: the authorization matrix as data, one row per route.

A caller without a valid token gets 401; with a token but none of the route's roles, 403.
Within a route, an agency reaches only what it submitted (404 for anything else, so a
case's existence is not told); the Business Team reaches everything.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from sprg_shared.auth import Role
from sprg_shared.web import require

SUBMITTER, TEAM, MEMBER, CHAIR, RULES, EXEC = (
    Role.AGENCY_SUBMITTER,
    Role.BUSINESS_TEAM,
    Role.SPRG_MEMBER,
    Role.CHAIR,
    Role.RULES_ADMIN,
    Role.EXECUTIVE_READER,
)

ACCESS: dict[str, frozenset[Role]] = {
    # incident reports
    "report_incident": frozenset({SUBMITTER, TEAM}),
    "read_case": frozenset({SUBMITTER, TEAM}),
    "correct_incident": frozenset({SUBMITTER, TEAM}),
    "record_sin_submission": frozenset({TEAM}),
    # a looked-after child's or care leaver's death: DfE/Ofsted notified, CSAB liaised
    "record_dfe_ofsted_notification": frozenset({SUBMITTER, TEAM}),
    "record_csab_liaison": frozenset({TEAM}),
    # Cases of Concern, escalations, tags
    "refer_case_of_concern": frozenset({SUBMITTER, TEAM, MEMBER}),
    "read_case_of_concern": frozenset({SUBMITTER, TEAM, MEMBER}),
    "triage_case_of_concern": frozenset({TEAM}),
    "raise_escalation": frozenset({SUBMITTER, TEAM, MEMBER}),
    "read_escalation": frozenset({SUBMITTER, TEAM, MEMBER}),
    "update_escalation": frozenset({SUBMITTER, TEAM, MEMBER}),
    "tag_review": frozenset({TEAM}),
    # Rapid Review
    "request_information": frozenset({TEAM}),
    "receive_return": frozenset({SUBMITTER, TEAM, MEMBER}),
    "read_document": frozenset({SUBMITTER, TEAM, MEMBER}),
    "record_rapid_review": frozenset({TEAM, CHAIR}),
    "record_sent_to_panel": frozenset({TEAM}),
    "close_rapid_review": frozenset({TEAM, CHAIR}),
    # LCSPR
    "record_lcspr_factors": frozenset({TEAM, CHAIR}),
    "decide_lcspr": frozenset({TEAM, CHAIR}),
    "record_lcspr_progress": frozenset({TEAM}),
    "record_lcspr_publication": frozenset({TEAM, CHAIR}),
    # SPRG
    "schedule_meeting": frozenset({TEAM}),
    "read_meeting": frozenset({TEAM, CHAIR, MEMBER}),
    "read_meeting_agenda": frozenset({TEAM, CHAIR, MEMBER}),
    "record_attendance": frozenset({TEAM, CHAIR}),
    "record_minutes": frozenset({TEAM, CHAIR}),
    "record_action": frozenset({TEAM, CHAIR}),
    "update_action": frozenset({TEAM, CHAIR, MEMBER, SUBMITTER}),
    "share_learning": frozenset({TEAM, CHAIR, MEMBER}),
    "record_member": frozenset({TEAM}),
    "read_membership": frozenset({TEAM, CHAIR, MEMBER, EXEC}),
}


def allowed(route: str) -> Any:
    """The dependency admitting the roles the matrix gives ``route``."""
    return Depends(require(*ACCESS[route]))

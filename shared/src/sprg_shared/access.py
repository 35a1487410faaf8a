"""Who may call what, in every service: the route x role x agency matrix as data.

One row per route of each service's HTTP API, keyed by the service and the route's name
(the FastAPI route name, its function's name unless given). A row says which roles the
route admits, how far an agency reaches through it, and what the audit keeps of it:

- ``roles``: a caller without a valid token gets 401; with a token holding none of these
  roles, 403 (and the refusal is audited when the route is audited);
- ``reach``: ``all`` (nothing agency-bound is shown, or the role sees everything),
  ``agency`` (a caller who is neither the Business Team nor, for the SPRG's own work, the
  Chair or a member reaches only the subjects its agency is involved in: anything else is
  404, so a case's existence is not told);
- ``audit``: ``read`` (reads case facts: the route writes who read what, and whether it
  was granted), ``change`` (writes: who changed what is kept at admission), or None.

Every route of every service must have a row and every row a route: a test checks it
(``tests/integration/test_access_matrix.py``). The caller's dependency is ``Caller``:
it looks the route up here, so a route cannot forget its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request

from sprg_shared.auth import Principal, Role
from sprg_shared.concerns import Concerns
from sprg_shared.web import principal_from

__all__ = [
    "ANY",
    "MATRIX",
    "AuditKind",
    "Caller",
    "Reach",
    "Rule",
    "audit_read",
    "caller",
    "reachable",
    "reaches",
    "route_name",
    "rule",
    "sees_everything",
    "subject_of",
]

SUBMITTER, TEAM, MEMBER, CHAIR, RULES, EXEC = (
    Role.AGENCY_SUBMITTER,
    Role.BUSINESS_TEAM,
    Role.SPRG_MEMBER,
    Role.CHAIR,
    Role.RULES_ADMIN,
    Role.EXECUTIVE_READER,
)
ANY = frozenset(Role)
AuditKind = Literal["read", "change"]
Reach = Literal["all", "agency"]


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    audit: AuditKind | None = None
    reach: Reach = "all"


def _r(*roles: Role, audit: AuditKind | None = None, reach: Reach = "all") -> Rule:
    return Rule(frozenset(roles), audit, reach)


def _w(*roles: Role, reach: Reach = "all") -> Rule:
    """A write: audited as a change."""
    return Rule(frozenset(roles), "change", reach)


# The audit log of each service is the Business Team's to read (the route on every service).
_AUDIT = {"read_audit": _r(TEAM)}

MATRIX: dict[str, dict[str, Rule]] = {
    "intake": {
        # incident reports: an agency reaches what it submitted, the Business Team all
        "report_incident": _w(SUBMITTER, TEAM),
        "read_case": _r(SUBMITTER, TEAM, audit="read", reach="agency"),
        # every case, facts only: the Business Team and the Chair all, an agency its own
        # (another agency's list is refused, audited)
        "list_cases": _r(SUBMITTER, TEAM, CHAIR, audit="read", reach="agency"),
        "correct_incident": _w(SUBMITTER, TEAM, reach="agency"),
        "record_sin_submission": _w(TEAM),
        # a looked-after child's or care leaver's death: DfE/Ofsted notified, CSAB liaised
        "record_dfe_ofsted_notification": _w(SUBMITTER, TEAM, reach="agency"),
        "record_csab_liaison": _w(TEAM),
        # Cases of Concern, escalations, tags
        "refer_case_of_concern": _w(SUBMITTER, TEAM, MEMBER),
        "read_case_of_concern": _r(SUBMITTER, TEAM, MEMBER, audit="read", reach="agency"),
        "triage_case_of_concern": _w(TEAM),
        "list_cases_of_concern": _r(TEAM, CHAIR, MEMBER),
        "raise_escalation": _w(SUBMITTER, TEAM, MEMBER),
        "read_escalation": _r(SUBMITTER, TEAM, MEMBER, audit="read", reach="agency"),
        "update_escalation": _w(SUBMITTER, TEAM, MEMBER, reach="agency"),
        "list_escalations": _r(TEAM, CHAIR, MEMBER),
        "tag_review": _w(TEAM),
        # Rapid Review: the agency asked reads the request and answers it
        "request_information": _w(TEAM),
        "receive_return": _w(SUBMITTER, TEAM, MEMBER, reach="agency"),
        "read_document": _r(SUBMITTER, TEAM, MEMBER, audit="read", reach="agency"),
        "record_rapid_review": _w(TEAM, CHAIR),
        "record_sent_to_panel": _w(TEAM),
        "close_rapid_review": _w(TEAM, CHAIR),
        # LCSPR
        "record_lcspr_factors": _w(TEAM, CHAIR),
        "decide_lcspr": _w(TEAM, CHAIR),
        "record_lcspr_progress": _w(TEAM),
        "record_lcspr_publication": _w(TEAM, CHAIR),
        # SPRG
        "schedule_meeting": _w(TEAM),
        "read_meeting": _r(TEAM, CHAIR, MEMBER, audit="read"),
        "read_meeting_agenda": _r(TEAM, CHAIR, MEMBER, audit="read"),
        "record_attendance": _w(TEAM, CHAIR),
        "record_minutes": _w(TEAM, CHAIR),
        "record_action": _w(TEAM, CHAIR),
        "update_action": _w(TEAM, CHAIR, MEMBER, SUBMITTER, reach="agency"),
        # every action / request with its returns: the Business Team and the Chair all,
        # anyone else their own agency's (another agency's list is refused, audited)
        "list_actions": _r(SUBMITTER, TEAM, CHAIR, MEMBER, audit="read", reach="agency"),
        "list_information_requests": _r(
            SUBMITTER, TEAM, CHAIR, MEMBER, audit="read", reach="agency"
        ),
        "share_learning": _w(TEAM, CHAIR, MEMBER),
        "record_member": _w(TEAM),
        "read_membership": _r(TEAM, CHAIR, MEMBER, EXEC),
        **_AUDIT,
    },
    "rules": {
        # stateless: the answer for the body sent, nothing stored is read
        "assess": _r(*ANY),
        # a case's decisions carry its facts (age, death, abuse suspected, dates)
        "decisions": _r(SUBMITTER, TEAM, MEMBER, CHAIR, audit="read", reach="agency"),
        "decide_matter": _r(TEAM, MEMBER, CHAIR),
        "upload": _w(RULES),
        "diff": _r(RULES),
        "activate": _w(RULES),
        "rollback": _w(RULES),
        "listing": _r(RULES),
        "show": _r(RULES),
        **_AUDIT,
    },
    "scheduler": {
        # clocks name cases and their deadlines: an agency sees the clocks of what concerns it
        "list_clocks": _r(SUBMITTER, TEAM, MEMBER, CHAIR, audit="read", reach="agency"),
        "clock_met": _w(TEAM),
        "clock_stop": _w(TEAM),
        "clock_pause": _w(TEAM),
        "clock_resume": _w(TEAM),
        "calendar": _r(*ANY),
        "add_closure": _w(TEAM),
        "pending": _r(TEAM, MEMBER, CHAIR),
        "confirm": _w(TEAM),
        "get_schedule": _r(*ANY),
        "put_schedule": _w(TEAM),
        "upcoming": _r(TEAM, MEMBER, CHAIR, EXEC),
        "list_targets": _r(TEAM, MEMBER, CHAIR),
        "dry_run_targets": _r(TEAM),
        "activate_targets": _w(TEAM),
        "rollback_targets": _w(TEAM),
        **_AUDIT,
    },
    "notifier": {
        "put_person": _w(TEAM),
        "list_people": _r(TEAM),
        "get_person": _r(TEAM),
        "put_agency": _w(TEAM),
        "list_agencies": _r(TEAM),
        "roles": _r(TEAM),
        "list_subscriptions": _r(TEAM),
        "get_subscription": _r(TEAM),
        "put_subscription": _w(TEAM),
        "deliveries": _r(TEAM, audit="read"),
        "digests": _r(TEAM),
        **_AUDIT,
    },
    "reporting": {
        "summary": _r(TEAM, MEMBER, CHAIR, EXEC),
        # one case's read model: the SPRG's work; the Executive Group reads the reports
        "case": _r(TEAM, MEMBER, CHAIR, audit="read"),
        "cases": _r(TEAM, MEMBER, CHAIR, audit="read"),
        "produce": _w(TEAM),
        "latest": _r(TEAM, MEMBER, CHAIR, EXEC),
        "report_json": _r(TEAM, MEMBER, CHAIR, EXEC),
        "report_html": _r(TEAM, MEMBER, CHAIR, EXEC),
        "report_csv": _r(TEAM, MEMBER, CHAIR, EXEC),
        **_AUDIT,
    },
}


def rule(service: str, route: str) -> Rule:
    return MATRIX[service][route]


def sees_everything(principal: Principal) -> bool:
    """The Business Team, the Chair and SPRG members reach every case (the SPRG's work)."""
    return principal.has(TEAM, CHAIR, MEMBER)


def route_name(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "name", ""))


async def caller(request: Request) -> Principal:
    """The caller, admitted by the matrix row of the route being called (401/403 otherwise).

    A refusal on an audited route is written to the service's audit log; an admitted
    change is written at admission (what it changed is in the service's own records).
    """
    service: str = request.app.state.service
    name = route_name(request)
    row = rule(service, name)
    principal = principal_from(request)
    admitted = principal.has(*row.roles)
    log = getattr(request.app.state, "audit", None)
    if log is not None and row.audit is not None and (not admitted or row.audit == "change"):
        await log.write(
            request, principal, action=row.audit, subject=subject_of(request), granted=admitted
        )
    if not admitted:
        raise HTTPException(
            status_code=403, detail=f"requires one of the roles: {', '.join(sorted(row.roles))}"
        )
    return principal


def subject_of(request: Request) -> str | None:
    """What a request is about: the first id in its path, else a ``case_id`` query."""
    for value in request.path_params.values():
        return str(value)
    return request.query_params.get("case_id")


Caller = Annotated[Principal, Depends(caller)]


async def audit_read(
    request: Request,
    principal: Principal,
    subject: str | None,
    *,
    granted: bool,
    reason: str | None = None,
) -> None:
    """Write a read of case facts (granted or not) to the service's audit log."""
    log = getattr(request.app.state, "audit", None)
    if log is not None:
        await log.write(
            request, principal, action="read", subject=subject, granted=granted, reason=reason
        )


async def reaches(request: Request, principal: Principal, *subject_ids: str) -> bool:
    """Whether the caller reaches a subject known by any of ``subject_ids``: the Business
    Team, Chair and members always; an agency when one of them involves it
    (``sprg_shared.concerns``, kept by the service on ``app.state.concerns``)."""
    if sees_everything(principal):
        return True
    concerns: Concerns = request.app.state.concerns
    return await concerns.concerns(principal.agency, subject_ids)


async def reachable(request: Request, principal: Principal) -> set[str] | None:
    """The subject ids an agency caller reaches; None for those who reach everything."""
    if sees_everything(principal):
        return None
    concerns: Concerns = request.app.state.concerns
    return set(await concerns.subjects_of(principal.agency))

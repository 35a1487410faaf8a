"""Lists the Business Team works from: every Case of Concern, the untriaged first; every
escalation, the open ones at Stage 3 or above first.

Facts only (reference, agencies, dates, the triage or stage as it stands): no referrer's
name, no child's name, no concern, no disagreement's summary (those are sealed, and read
one at a time, audited).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request

from sprg_intake.entrypoints.routes import Route, deps_of
from sprg_intake.handlers import listings
from sprg_intake.handlers.recording import audit_read
from sprg_shared.access import Caller

UNTRIAGED = {None, "pending"}


def cases_of_concern(
    referred: list[dict[str, Any]], triages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each Case of Concern with its latest triage; the untriaged first, the longest waiting
    at the top, then the triaged, the most recently referred first (pure)."""
    latest: dict[str, dict[str, Any]] = {}
    for record in triages:  # in the order recorded: the last one stands
        latest[str(record["subject_id"])] = record["facts"]
    rows = []
    for record in referred:
        facts = record["facts"]
        triage = latest.get(str(record["_id"]))
        rows.append(
            {
                "coc_id": record["_id"],
                "reference": facts.get("reference", ""),
                "referring_agency": facts.get("referring_agency", ""),
                "agencies_involved": list(facts.get("agencies_involved", [])),
                "referred_date": facts.get("referred_date"),
                "meets_sin_criteria": facts.get("meets_sin_criteria"),
                "meets_spr_criteria": facts.get("meets_spr_criteria"),
                "triage": None if triage is None else triage.get("triage"),
                "triaged_date": None if triage is None else triage.get("triaged_date"),
                "meeting": None if triage is None else triage.get("meeting"),
                "approach": None if triage is None else triage.get("approach"),
            }
        )
    waiting = sorted(
        (r for r in rows if r["triage"] in UNTRIAGED), key=lambda r: str(r["referred_date"])
    )
    done = sorted(
        (r for r in rows if r["triage"] not in UNTRIAGED),
        key=lambda r: str(r["referred_date"]),
        reverse=True,
    )
    return waiting + done


async def list_cases_of_concern(request: Request, principal: Caller) -> list[dict[str, Any]]:
    deps = deps_of(request)
    return cases_of_concern(
        await deps.repo.records_of_kind("case_of_concern"),
        await deps.repo.records_of_kind("triage"),
    )


FORMAL_STAGE = 3
"""Stages 3 to 5 are formal: the CSCP tracks them and the SPRG oversees them."""


def escalations(
    opened: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each escalation as it stands now (its latest record): the open ones at Stage 3 or
    above first (the highest stage, then the longest at it, at the top), then the other open
    ones the same way, then the resolved, the most recently resolved first (pure)."""
    latest: dict[str, dict[str, Any]] = {str(r["_id"]): r["facts"] for r in opened}
    for record in updates:  # in the order recorded: the last one stands
        if str(record["subject_id"]) in latest:
            latest[str(record["subject_id"])] = record["facts"]
    rows = [
        {
            "escalation_id": escalation_id,
            "reference": facts.get("reference", ""),
            "raised_by_agency": facts.get("raised_by_agency", ""),
            "with_agency": facts.get("with_agency", ""),
            "stage": int(facts.get("stage", 0)),
            "formal": int(facts.get("stage", 0)) >= FORMAL_STAGE,
            "stage_started_date": facts.get("stage_started_date"),
            "copy_to_cscp_date": facts.get("copy_to_cscp_date"),
            "resolved_date": facts.get("resolved_date"),
        }
        for escalation_id, facts in latest.items()
    ]

    def waiting(row: dict[str, Any]) -> tuple[int, int, str]:
        return (0 if row["formal"] else 1, -row["stage"], str(row["stage_started_date"]))

    still_open = sorted((r for r in rows if r["resolved_date"] is None), key=waiting)
    resolved = sorted(
        (r for r in rows if r["resolved_date"] is not None),
        key=lambda r: str(r["resolved_date"]),
        reverse=True,
    )
    return still_open + resolved


async def list_escalations(request: Request, principal: Caller) -> list[dict[str, Any]]:
    deps = deps_of(request)
    return escalations(
        await deps.repo.records_of_kind("escalation"),
        await deps.repo.records_of_kind("escalation_update"),
    )


Status = Annotated[
    listings.Status | None,
    Query(description="open (overdue included), overdue, or done (an action done or dropped)"),
]
Agency = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9-]{0,63}$",
        description="the agency asked (a request) or owning (an action); an agency may "
        "give only its own",
    ),
]
CaseTerm = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=80,
        description="a case's (or an action's source's) id or reference, or an action's "
        "own id or reference (ACT-...)",
    ),
]
Due = Annotated[date | None, Query(description="due on or before / on or after (YYYY-MM-DD)")]
Limit = Annotated[int, Query(ge=1, le=listings.MAX_LIMIT, description="rows in a page")]
Offset = Annotated[int, Query(ge=0, le=listings.MAX_OFFSET, description="rows skipped")]
ListReason = Annotated[
    str | None,
    Query(
        min_length=3,
        max_length=500,
        description="why you need the words too (an action's description, a return's "
        "notes): given, they are listed and each subject shown is audited as read",
    ),
]


async def _listed(
    request: Request,
    principal: Caller,
    which: str,
    query: listings.ListQuery,
) -> dict[str, Any]:
    deps = deps_of(request)
    lister = listings.list_actions if which == "actions" else listings.list_information_requests
    try:
        return await lister(principal, deps, query)
    except listings.OtherAgency as exc:
        await audit_read(deps, f"{which}:{exc}", principal, query.reason or "list", granted=False)
        raise HTTPException(
            status_code=403, detail=f"you may list only your own agency's {which}"
        ) from exc
    except listings.DueRange as exc:
        detail = [{"loc": ["query", "due_before"], "msg": str(exc), "type": "value_error"}]
        raise HTTPException(status_code=422, detail=detail) from exc


def _list_query(
    status: Status = None,
    agency: Agency = None,
    case: CaseTerm = None,
    due_before: Due = None,
    due_after: Due = None,
    limit: Limit = 50,
    offset: Offset = 0,
    reason: ListReason = None,
) -> listings.ListQuery:
    """The query parameters both lists take, as one ``ListQuery``."""
    return listings.ListQuery(status, agency, case, due_before, due_after, limit, offset, reason)


ListParams = Annotated[listings.ListQuery, Depends(_list_query)]


async def list_actions(request: Request, principal: Caller, query: ListParams) -> dict[str, Any]:
    return await _listed(request, principal, "actions", query)


async def list_information_requests(
    request: Request, principal: Caller, query: ListParams
) -> dict[str, Any]:
    return await _listed(request, principal, "information requests", query)


CaseAgency = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9-]{0,63}$",
        description="the reporting agency; an agency may give only its own",
    ),
]
OneCase = Annotated[
    str | None,
    Query(min_length=1, max_length=80, description="a case's id or reference (any letter case)"),
]
Reported = Annotated[
    date | None, Query(description="reported on or after / on or before (YYYY-MM-DD)")
]


async def list_cases(
    request: Request,
    principal: Caller,
    agency: CaseAgency = None,
    case: OneCase = None,
    reported_after: Reported = None,
    reported_before: Reported = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    deps = deps_of(request)
    query = listings.CaseQuery(agency, case, reported_after, reported_before, limit, offset)
    try:
        return await listings.list_cases(principal, deps, query)
    except listings.OtherAgency as exc:
        await audit_read(deps, f"cases:{exc}", principal, "list", granted=False)
        raise HTTPException(
            status_code=403, detail="you may list only the cases your agency reported"
        ) from exc
    except listings.ReportedRange as exc:
        detail = [{"loc": ["query", "reported_before"], "msg": str(exc), "type": "value_error"}]
        raise HTTPException(status_code=422, detail=detail) from exc


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/cases",
        "list_cases",
        "incidents",
        "Every incident case, the newest first, paged and filtered (facts only, no child's "
        "name, date of birth or address; an agency: the cases it reported)",
        list_cases,
    ),
    Route(
        "GET",
        "/v1/actions",
        "list_actions",
        "sprg",
        "Every action as it stands, the overdue first, paged and filtered (an agency: its "
        "own; the words, audited, with a reason)",
        list_actions,
    ),
    Route(
        "GET",
        "/v1/information-requests",
        "list_information_requests",
        "rapid review",
        "Every information request with its returns, the overdue first, paged and filtered"
        " (an agency: those asked of it; the returns' words, audited, with a reason)",
        list_information_requests,
    ),
    Route(
        "GET",
        "/v1/cases-of-concern",
        "list_cases_of_concern",
        "cases of concern",
        "Every Case of Concern, the untriaged first (facts only, no personal data)",
        list_cases_of_concern,
    ),
    Route(
        "GET",
        "/v1/escalations",
        "list_escalations",
        "escalations",
        "Every escalation as it stands, the open ones at Stage 3 or above first (facts only,"
        " no personal data)",
        list_escalations,
    ),
)

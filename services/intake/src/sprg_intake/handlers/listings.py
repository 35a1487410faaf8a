"""Every action and every information request with its returns, as lists: paged,
filtered, each agency seeing only what concerns it.

An action's state is the latest of its records (the action, then each update: the update
carries the whole action as it stands), so its status and due date are read after folding
them; what an update cannot change (the owner agency, the source) is asked of the store.
A request's state is whether a return came: open until then, overdue once its due date has
passed, done with its first return.

Facts only by default (references, agencies, dates, statuses). With a ``reason`` the list
also carries the words (an action's description and latest note, a return's notes and file
names), and each subject whose words are shown is audited as one read, like any other read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sprg_intake.handlers.incident import IntakeDeps
from sprg_intake.handlers.recording import audit_read, bound_case, opened, sees_record
from sprg_shared.auth import Principal, Role
from sprg_shared.store import Document

Status = Literal["open", "done", "overdue"]
MAX_LIMIT = 200
MAX_OFFSET = 100_000
CLOSED = {"done", "dropped"}


class OtherAgency(Exception):
    """An agency asked for another agency's list (403)."""


class DueRange(Exception):
    """``due_after`` is later than ``due_before`` (422, naming ``due_before``)."""


@dataclass(frozen=True)
class ListQuery:
    status: Status | None = None
    agency: str | None = None
    case: str | None = None
    """a case's (or an action's source's) id or reference, or an action's own id or reference"""
    due_before: date | None = None
    due_after: date | None = None
    limit: int = 50
    offset: int = 0
    reason: str | None = None


def sees_all(principal: Principal) -> bool:
    """The Business Team and the Chair see every agency's actions and requests."""
    return principal.has(Role.BUSINESS_TEAM, Role.CHAIR)


def agency_scope(principal: Principal, asked: str | None) -> str | None:
    """The agency the list is limited to (None: every agency). Anyone but the Business
    Team and the Chair sees their own agency's only, and asking for another's is refused."""
    if sees_all(principal):
        return asked
    if asked is not None and asked != principal.agency:
        raise OtherAgency(asked)
    return principal.agency


def _case_terms(case: str | None, *id_fields: str, ref_fields: tuple[str, ...]) -> dict[str, Any]:
    """The ``any_of`` that finds a case by its id or its reference (references are upper
    case: ``sin-2026-0001`` finds ``SIN-2026-0001``)."""
    if not case:
        return {}
    value = case.strip()
    terms: dict[str, list[str]] = {name: [value] for name in id_fields}
    terms.update({name: [value, value.upper()] for name in ref_fields})
    return terms


def _page(rows: list[dict[str, Any]], query: ListQuery) -> dict[str, Any]:
    return {
        "total": len(rows),
        "limit": query.limit,
        "offset": query.offset,
        "items": rows[query.offset : query.offset + query.limit],
    }


def _due_between(row: dict[str, Any], query: ListQuery) -> bool:
    due = str(row.get("due_date") or "")
    if query.due_after and (not due or due < query.due_after.isoformat()):
        return False
    return not (query.due_before and (not due or due > query.due_before.isoformat()))


def _check(query: ListQuery) -> None:
    if query.due_after and query.due_before and query.due_after > query.due_before:
        raise DueRange("due_before is earlier than due_after")


# --- Actions ---------------------------------------------------------------------------


def fold_actions(records: list[Document], today: date) -> list[dict[str, Any]]:
    """Each action as it stands (its latest record), overdue first (the longest overdue at
    the top), then the open by due date, then the closed, the most recently updated first
    (pure; ``records`` in the order made)."""
    opened_by: dict[str, Document] = {}
    latest: dict[str, Document] = {}
    for record in records:
        if record["kind"] == "action":
            opened_by[str(record["subject_id"])] = record
        latest[str(record["subject_id"])] = record
    rows = []
    for action_id, first in opened_by.items():
        facts = latest[action_id]["facts"]
        status = str(facts.get("status", "open"))
        due = str(facts.get("due_date") or "")
        rows.append(
            {
                "action_id": action_id,
                "reference": facts.get("reference"),
                "source_id": facts.get("source_id"),
                "source_reference": facts.get("source_reference"),
                "owner_agency": facts.get("owner_agency"),
                "owner_role": facts.get("owner_role"),
                "due_date": due or None,
                "status": status,
                "overdue": status not in CLOSED and bool(due) and due < today.isoformat(),
                "updated_date": facts.get("updated_date"),
                "recorded_at": first["created_at"],
                "links": {"action": f"/actions/{action_id}"},
            }
        )

    def order(row: dict[str, Any]) -> tuple[int, str]:
        if row["status"] in CLOSED:
            return (2, "")
        return (0 if row["overdue"] else 1, str(row["due_date"] or "9999"))

    still_open = sorted((r for r in rows if r["status"] not in CLOSED), key=order)
    closed = sorted(
        (r for r in rows if r["status"] in CLOSED),
        key=lambda r: str(r["updated_date"] or ""),
        reverse=True,
    )
    return still_open + closed


def _action_status(row: dict[str, Any], status: Status | None) -> bool:
    if status is None:
        return True
    if status == "done":
        return bool(row["status"] in CLOSED)
    if status == "overdue":
        return bool(row["overdue"])
    return bool(row["status"] not in CLOSED)


async def list_actions(principal: Principal, deps: IntakeDeps, query: ListQuery) -> dict[str, Any]:
    """Every action the caller may see, filtered and paged (``ListQuery``)."""
    _check(query)
    agency = agency_scope(principal, query.agency)
    records = await deps.repo.find_records(
        ("action", "action_update"),
        sealed=query.reason is not None,
        where={} if agency is None else {"facts.owner_agency": [agency]},
        any_of=_case_terms(
            query.case,
            "facts.source_id",
            "subject_id",
            ref_fields=("facts.source_reference", "facts.reference"),
        ),
    )
    rows = [
        r
        for r in fold_actions(records, deps.now().date())
        if _action_status(r, query.status) and _due_between(r, query)
    ]
    page = _page(rows, query)
    if query.reason is not None:
        words = _words_of(deps, records)
        for row in page["items"]:
            row["words"] = words.get(row["action_id"], {})
            await audit_read(deps, row["action_id"], principal, query.reason, granted=True)
    return page


def _words_of(deps: IntakeDeps, records: list[Document]) -> dict[str, dict[str, Any]]:
    """Each action's description (from the action) and its latest update's note."""
    words: dict[str, dict[str, Any]] = {}
    for record in records:
        said = opened(deps, record) or {}
        mine = words.setdefault(str(record["subject_id"]), {})
        if record["kind"] == "action":
            mine["description"] = said.get("description")
        else:
            mine["note"] = said.get("note")
    return words


# --- Information requests and their returns -------------------------------------------


def request_rows(
    requests: list[Document], returns: list[Document], today: date
) -> list[dict[str, Any]]:
    """Each request with its returns: the overdue first (the longest overdue at the top),
    then the open by due date, then the answered, the latest answered first (pure)."""
    by_request: dict[str, list[Document]] = {}
    for record in returns:
        by_request.setdefault(str(record["subject_id"]), []).append(record)
    rows = []
    for record in requests:
        facts = record["facts"]
        request_id = str(record["_id"])
        came = [
            {
                "return_id": r["_id"],
                "received_date": r["facts"].get("received_date"),
                "documents": r["facts"].get("documents_stored", []),
            }
            for r in by_request.get(request_id, [])
        ]
        due = str(facts.get("due_date") or "")
        answered = min((str(c["received_date"]) for c in came), default=None)
        rows.append(
            {
                "request_id": request_id,
                "case_id": record["subject_id"],
                "reference": facts.get("reference"),
                "agency": facts.get("agency"),
                "kind": facts.get("kind"),
                "requested_date": facts.get("requested_date"),
                "due_date": due or None,
                "status": "done" if came else "open",
                "overdue": not came and bool(due) and due < today.isoformat(),
                "answered_date": answered,
                "late": answered is not None and bool(due) and answered > due,
                "returns": came,
                "links": {
                    "case": f"/cases/{record['subject_id']}",
                    "return": f"/cases/{record['subject_id']}/requests/{request_id}/return",
                },
            }
        )

    def order(row: dict[str, Any]) -> tuple[int, str]:
        return (0 if row["overdue"] else 1, str(row["due_date"] or "9999"))

    still_open = sorted((r for r in rows if r["status"] == "open"), key=order)
    answered_rows = sorted(
        (r for r in rows if r["status"] == "done"),
        key=lambda r: str(r["answered_date"]),
        reverse=True,
    )
    return still_open + answered_rows


FEW = 200
"""Up to this many requests, their returns are asked for by id; beyond, by kind (and the
agency asked), then matched here: one indexed query either way, never a list of 10,000 ids."""


async def _returns_to(
    deps: IntakeDeps, requests: list[Document], agency: str | None, *, sealed: bool
) -> list[Document]:
    if not requests:
        return []
    ids = {str(r["_id"]) for r in requests}
    if len(ids) <= FEW:
        where: dict[str, list[Any]] = {"subject_id": sorted(ids)}
    else:
        where = {} if agency is None else {"facts.agency": [agency]}
    found = await deps.repo.find_records(("return",), where=where, sealed=sealed)
    return [r for r in found if str(r["subject_id"]) in ids]


def _request_status(row: dict[str, Any], status: Status | None) -> bool:
    if status is None:
        return True
    if status == "overdue":
        return bool(row["overdue"])
    return bool(row["status"] == status)


async def list_information_requests(
    principal: Principal, deps: IntakeDeps, query: ListQuery
) -> dict[str, Any]:
    """Every information request the caller may see (an agency: those asked of it), with
    its returns, filtered and paged (``ListQuery``)."""
    _check(query)
    agency = agency_scope(principal, query.agency)
    requests = await deps.repo.find_records(
        ("information_request",),
        sealed=not sees_all(principal),
        where={} if agency is None else {"facts.agency": [agency]},
        any_of=_case_terms(query.case, "subject_id", ref_fields=("facts.reference",)),
        within={
            "facts.due_date": (
                query.due_after and query.due_after.isoformat(),
                query.due_before and query.due_before.isoformat(),
            )
        },
    )
    if not sees_all(principal):  # the agency asked is bound into each request's seal
        requests = [r for r in requests if sees_record(deps, principal, r, r["facts"]["agency"])]
    returns = await _returns_to(deps, requests, agency, sealed=query.reason is not None)
    rows = [
        r
        for r in request_rows(requests, returns, deps.now().date())
        if _request_status(r, query.status)
    ]
    page = _page(rows, query)
    if query.reason is not None:
        sealed = {str(r["_id"]): r for r in returns}
        for row in page["items"]:
            for came in row["returns"]:
                came["words"] = opened(deps, sealed[str(came["return_id"])]) or {}
                await audit_read(
                    deps, str(came["return_id"]), principal, query.reason, granted=True
                )
    return page


# --- Incident cases --------------------------------------------------------------------


class ReportedRange(Exception):
    """``reported_after`` is later than ``reported_before`` (422, naming ``reported_before``)."""


@dataclass(frozen=True)
class CaseQuery:
    agency: str | None = None
    case: str | None = None
    """a case's id or reference (any letter case)"""
    reported_after: date | None = None
    reported_before: date | None = None
    limit: int = 50
    offset: int = 0


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def case_row(case: Document, corrected: Document | None) -> dict[str, Any]:
    """A case's facts as they stand (its latest correction's, if any): who reported it,
    the incident's kind and date, the awareness date. Never a child's name, date of birth
    or address: those are sealed and read one case at a time, audited (pure)."""
    facts = case["facts"]
    standing = corrected["facts"] if corrected else facts
    incident = standing.get("incident") or {}
    return {
        "case_id": case["_id"],
        "reference": case.get("reference", ""),
        "reporting_agency": case.get("agency", ""),
        "incident_kind": incident.get("kind"),
        "incident_date": incident.get("date"),
        "aware_date": standing.get("aware_date"),
        "reported_at": case["created_at"],
        "links": {"case": f"/cases/{case['_id']}"},
    }


async def list_cases(principal: Principal, deps: IntakeDeps, query: CaseQuery) -> dict[str, Any]:
    """Every incident case the caller may read, the newest first, filtered and paged: the
    Business Team and the Chair all, an agency those it reported (``agency_scope``, as
    ``may_read``: its agency is checked against the one sealed with the case)."""
    after, before = query.reported_after, query.reported_before
    if after and before and after > before:
        raise ReportedRange("reported_before is earlier than reported_after")
    agency = agency_scope(principal, query.agency)
    terms = [] if not query.case else sorted({query.case.strip(), query.case.strip().upper()})
    cases = await deps.repo.find_cases(
        agency=agency,
        terms=terms,
        reported_from=_day_start(after) if after else None,
        reported_to=_day_start(before + timedelta(days=1)) if before else None,
        sealed=not sees_all(principal),
    )
    if not sees_all(principal):  # the agency is bound into each case's seal
        cases = [c for c in cases if bound_case(deps, c)]
    page = _page(cases, ListQuery(limit=query.limit, offset=query.offset))
    shown = [str(c["_id"]) for c in page["items"]]
    latest: dict[str, Document] = {}
    if shown:
        for record in await deps.repo.find_records(("correction",), where={"subject_id": shown}):
            latest[str(record["subject_id"])] = record  # oldest first: the last one stands
    page["items"] = [case_row(c, latest.get(str(c["_id"]))) for c in page["items"]]
    return page

"""Every case, every action, every information request with its returns, and what is
asked of an agency: from intake's lists (``GET /v1/cases``, ``GET /v1/actions``,
``GET /v1/information-requests``), which hold the closed, done and clock-less ones too,
paged and filtered there.

The person's filters come from a GOV.UK form (a status, an agency by name, a reference, due
dates as day, month and year); a filter that cannot be read is said in plain words and not
sent. Intake scopes each list to what concerns the person's agency (the Business Team and
the Chair see all) and orders it: the overdue first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sprg_console.adapters.apis import ApiError, Document
from sprg_console.domain import forms, words
from sprg_console.handlers import worklist
from sprg_console.handlers.context import Caller, Deps
from sprg_shared.auth import Role

PAGE_SIZE = 50
ASKED_SIZE = 200
ACTIONS = "/v1/actions"
CASES = "/v1/cases"
REQUESTS = "/v1/information-requests"
ASKED_REASON = "To see what is asked of my agency and by when"

ACTION_STATUSES = {
    "": "All",
    "overdue": "Overdue",
    "open": "Open (overdue included)",
    "done": "Done or dropped",
}
REQUEST_STATUSES = {
    "": "All",
    "overdue": "Overdue",
    "open": "Still owed (overdue included)",
    "done": "Returned",
}
REQUEST_KINDS = {
    "imr": "Individual Management Review (IMR)",
    "chronology": "Chronology",
    "information": "Information",
    "other": "Other information",
}
AGENCY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
NO_STATUS = {"": "All"}


@dataclass(frozen=True)
class Dates:
    """The two dates a list is filtered between: their names (intake's parameters and the
    form's fields) and what they are called in a message."""

    after: str
    before: str
    first: str
    last: str


DUE = Dates("due_after", "due_before", "the first due date", "the last due date")
REPORTED = Dates(
    "reported_after", "reported_before", "the first date reported", "the last date reported"
)


@dataclass
class ListFilters:
    status: str = ""
    agency: str = ""
    reference: str = ""
    due_after: date | None = None
    """the first date (due, or reported: ``dates``), on or after"""
    due_before: date | None = None
    """the last date, on or before"""
    page: int = 1
    dates: Dates = DUE

    @property
    def active(self) -> bool:
        return bool(
            self.status or self.agency or self.reference or self.due_after or self.due_before
        )

    def params(self, size: int) -> dict[str, str | int]:
        """What intake is asked: the filters given, and the page as limit and offset."""
        params: dict[str, str | int] = {"limit": size, "offset": (self.page - 1) * size}
        for name, value in (
            ("status", self.status),
            ("agency", self.agency),
            ("case", self.reference),
            (self.dates.after, self.due_after and self.due_after.isoformat()),
            (self.dates.before, self.due_before and self.due_before.isoformat()),
        ):
            if value:
                params[name] = value
        return params


def read_filters(
    query: Mapping[str, str],
    statuses: Mapping[str, str],
    errors: forms.Errors,
    dates: Dates = DUE,
) -> ListFilters:
    """The filter form as filters; what cannot be read is left out, with a message."""
    found = ListFilters(dates=dates)
    status = forms.text(query, "status")
    if status in statuses:
        found.status = status
    else:
        errors.add("status", "Select a status from the list")
    agency = forms.text(query, "agency")
    if agency and not AGENCY.match(agency):
        errors.add("agency", "Select an agency from the list")
    else:
        found.agency = agency
    reference = forms.text(query, "reference")
    if len(reference) > 80:
        errors.add("reference", "Reference must be 80 characters or fewer")
    else:
        found.reference = reference
    for name, field_name, what in (
        (dates.after, "due_after", dates.first),
        (dates.before, "due_before", dates.last),
    ):
        day = forms.a_date(
            query, name, errors, what=what, today=date.max, required=False, not_after_today=False
        )
        setattr(found, field_name, day)
    if found.due_after and found.due_before and found.due_after > found.due_before:
        errors.add(
            dates.before,
            f"{dates.last.capitalize()} must be the same as or after the first",
            anchor=f"{dates.before}-day",
        )
        found.due_before = None
    try:
        found.page = max(1, min(int(forms.text(query, "page") or 1), 2000))
    except ValueError:
        found.page = 1
    return found


@dataclass(frozen=True)
class ActionRow:
    action_id: str
    reference: str
    url: str
    about: str
    about_url: str
    owner: str
    role: str
    due: str
    status: str
    tag: str
    description: str = ""


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    reference: str
    url: str
    agency: str
    incident: str
    incident_date: str
    aware: str
    reported: str
    duties: tuple[str, ...] = ()
    """its open duties, the most pressing first"""


@dataclass(frozen=True)
class RequestRow:
    request_id: str
    reference: str
    case_url: str
    agency: str
    what: str
    requested: str
    due: str
    status: str
    tag: str
    returned: str = ""
    late: bool = False
    return_url: str = ""


@dataclass
class ListPage:
    rows: list[Any]
    total: int = 0
    page: int = 1
    pages: int = 1
    filters: ListFilters = field(default_factory=ListFilters)
    agencies: list[tuple[str, str]] = field(default_factory=list)
    sees_all: bool = False
    refused: str = ""
    unavailable: str = ""
    page_link: str = ""


def sees_all(caller: Caller) -> bool:
    return caller.person.has(Role.BUSINESS_TEAM, Role.CHAIR)


def subject_url(source_id: str, reference: str) -> str:
    """Where an action's source lives in the console: a meeting, a Case of Concern, an
    escalation, else a case."""
    if source_id.startswith("sprg-meeting-"):
        return f"/meetings/{source_id}"
    if reference.startswith("COC-"):
        return f"/cases-of-concern/{source_id}"
    if reference.startswith("ESC-"):
        return f"/escalations/{source_id}"
    return f"/cases/{source_id}"


def action_row(row: Document, names: Mapping[str, str]) -> ActionRow:
    status = str(row.get("status", "open"))
    if row.get("overdue"):
        shown, tag = "Overdue", "govuk-tag--red"
    elif status == "done":
        shown, tag = "Done", "govuk-tag--green"
    elif status == "dropped":
        shown, tag = "Dropped", "govuk-tag--grey"
    else:
        shown, tag = "Open", "govuk-tag--blue"
    source_id = str(row.get("source_id") or "")
    about = str(row.get("source_reference") or "")
    owner = str(row.get("owner_agency") or "")
    said = row.get("words") or {}
    return ActionRow(
        action_id=str(row["action_id"]),
        reference=str(row.get("reference") or "Reference not known yet"),
        url=f"/actions/{row['action_id']}",
        about=about or "Reference not known yet",
        about_url=subject_url(source_id, about) if source_id else "",
        owner=names.get(owner, owner),
        role=str(row.get("owner_role") or ""),
        due=words.long_date(row.get("due_date")),
        status=shown,
        tag=tag,
        description=str(said.get("description") or ""),
    )


INCIDENT_KINDS = {
    "death": "Death",
    "serious_harm": "Serious harm",
}


def case_row(row: Document, names: Mapping[str, str], duties: Mapping[str, list[Any]]) -> CaseRow:
    """A case as intake lists it (facts only), with its agency's name and its open duties
    (from the worklist: each a ``WorkItem``, the most pressing first)."""
    agency = str(row.get("reporting_agency") or "")
    kind = str(row.get("incident_kind") or "")
    case_id = str(row["case_id"])
    return CaseRow(
        case_id=case_id,
        reference=str(row.get("reference") or "Reference not known yet"),
        url=f"/cases/{case_id}",
        agency=names.get(agency, agency),
        incident=INCIDENT_KINDS.get(kind, words.humanise(kind)),
        incident_date=words.long_date(row.get("incident_date")),
        aware=words.long_date(row.get("aware_date")),
        reported=words.long_date(str(row.get("reported_at") or "")[:10] or None),
        duties=tuple(str(item.sentence) for item in duties.get(case_id, [])),
    )


def request_row(row: Document, names: Mapping[str, str], caller: Caller) -> RequestRow:
    agency = str(row.get("agency") or "")
    case_id = str(row.get("case_id") or "")
    if row.get("status") == "done":
        shown, tag = "Returned", "govuk-tag--green"
    elif row.get("overdue"):
        shown, tag = "Overdue", "govuk-tag--red"
    else:
        shown, tag = "Still owed", "govuk-tag--blue"
    answers = caller.person.agency == agency and row.get("status") != "done"
    kind = str(row.get("kind") or "")
    return RequestRow(
        request_id=str(row["request_id"]),
        reference=str(row.get("reference") or "Reference not known yet"),
        case_url=f"/cases/{case_id}",
        agency=names.get(agency, agency),
        what=REQUEST_KINDS.get(kind, words.humanise(kind)),
        requested=words.long_date(row.get("requested_date")),
        due=words.long_date(row.get("due_date")),
        status=shown,
        tag=tag,
        returned=words.long_date(row.get("answered_date")),
        late=bool(row.get("late")),
        return_url=f"/cases/{case_id}/requests/{row['request_id']}/return" if answers else "",
    )


async def _page(
    deps: Deps,
    caller: Caller,
    path: str,
    filters: ListFilters,
    *,
    size: int = PAGE_SIZE,
    reason: str | None = None,
) -> tuple[ListPage, list[Document], dict[str, str]]:
    names = await worklist.agency_names(deps, caller)
    view = ListPage(
        rows=[],
        filters=filters,
        agencies=sorted(names.items(), key=lambda item: item[1]),
        sees_all=sees_all(caller),
    )
    params = filters.params(size)
    if reason:
        params["reason"] = reason
    try:
        found = await deps.apis.intake.page(caller.token, path, params)
    except ApiError as exc:
        if exc.status in (401, 403):
            view.refused = "You cannot see this list: it is for the Business Team, the Chair, "
            view.refused += "SPRG members and the agencies asked."
        else:
            view.unavailable = "The list could not be shown because intake did not answer. "
            view.unavailable += "Try again in a few minutes."
        return view, [], names
    view.total = int(found.get("total", 0))
    view.page = filters.page
    view.pages = max(1, math.ceil(view.total / size))
    return view, list(found.get("items", [])), names


def _link(base: str, filters: ListFilters) -> str:
    query: dict[str, str] = {
        "status": filters.status,
        "agency": filters.agency,
        "reference": filters.reference,
    }
    for name, day in (
        (filters.dates.after, filters.due_after),
        (filters.dates.before, filters.due_before),
    ):
        if day:
            query |= {
                f"{name}-day": str(day.day),
                f"{name}-month": str(day.month),
                f"{name}-year": str(day.year),
            }
    return base + "?" + urlencode({k: v for k, v in query.items() if v} | {"page": ""})


async def cases(
    deps: Deps, caller: Caller, filters: ListFilters, duties: Mapping[str, list[Any]]
) -> ListPage:
    """A page of every case the person may see (an agency: those it reported), the newest
    first, each with its open duties from ``duties`` (by case id)."""
    view, items, names = await _page(deps, caller, CASES, filters)
    view.rows = [case_row(row, names, duties) for row in items]
    view.page_link = _link("/cases", filters)
    return view


async def actions(deps: Deps, caller: Caller, filters: ListFilters) -> ListPage:
    """A page of every action the person may see, the overdue first."""
    view, items, names = await _page(deps, caller, ACTIONS, filters)
    view.rows = [action_row(row, names) for row in items]
    view.page_link = _link("/actions", filters)
    return view


async def requests(
    deps: Deps, caller: Caller, filters: ListFilters, *, size: int = PAGE_SIZE
) -> ListPage:
    """A page of every information request the person may see, with its returns."""
    view, items, names = await _page(deps, caller, REQUESTS, filters, size=size)
    view.rows = [request_row(row, names, caller) for row in items]
    view.page_link = _link("/information-requests", filters)
    return view


async def action_facts(deps: Deps, caller: Caller, action_id: str) -> ActionRow | None:
    """One action as intake lists it (None when intake does not list it for this person)."""
    params: dict[str, str | int] = {"case": action_id, "limit": 10, "offset": 0}
    try:
        found = await deps.apis.intake.page(caller.token, ACTIONS, params)
    except ApiError:
        return None
    row = next((r for r in found.get("items", []) if r.get("action_id") == action_id), None)
    if row is None:
        return None
    return action_row(row, await worklist.agency_names(deps, caller))


@dataclass(frozen=True)
class AskedView:
    agency: str
    requests: ListPage
    actions: ListPage


async def asked_of_you(deps: Deps, caller: Caller) -> AskedView:
    """What is asked of the person's agency and by when: its requests still owed and its
    actions still open, the earliest due first (the overdue are the earliest). The actions'
    descriptions are what is asked, so they are read with a reason (audited by intake)."""
    still_open = ListFilters(status="open", agency=caller.person.agency)
    owed = await requests(deps, caller, still_open, size=ASKED_SIZE)
    view, items, names = await _page(
        deps, caller, ACTIONS, still_open, size=ASKED_SIZE, reason=ASKED_REASON
    )
    view.rows = [action_row(row, names) for row in items]
    agency = names.get(caller.person.agency, caller.person.agency)
    return AskedView(agency=agency, requests=owed, actions=view)

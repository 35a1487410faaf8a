"""The audit page: who read or changed what, in every service, refusals included.

Reads each service's audit log with the person's token (the services admit only the
Business Team) and puts the entries in one list, newest first. A service that does not
answer is named on the page; the others are still shown. People are named as the identity
provider's claims named them when they signed in here (``KnownPeople``), else as the
directory names them; a case is found by its reference (SIN-2026-...) or its id.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sprg_console.adapters.apis import ApiError, Document
from sprg_console.adapters.audit import SERVICES, AuditApi, AuditQuery
from sprg_console.adapters.ports import KnownPeople
from sprg_console.domain import forms
from sprg_console.handlers.context import Caller
from sprg_shared.calendar import LONDON

SERVICE_WORDS = {
    "intake": "Intake (cases and forms)",
    "rules": "Rules (decisions)",
    "scheduler": "Scheduler (clocks)",
    "notifier": "Notifier (e-mails)",
    "reporting": "Reporting",
}
OUTCOMES = {"": None, "granted": True, "refused": False}
ACTIONS = ("", "read", "change")
PER_SERVICE = 200
REFERENCE = re.compile(r"^[A-Za-z]{2,4}-\d{4}-[0-9A-Fa-f]{8}$")


@dataclass(frozen=True)
class Filters:
    case_id: str = ""
    person: str = ""
    agency: str = ""
    service: str = ""
    outcome: str = ""
    action: str = ""

    @property
    def active(self) -> bool:
        return any(vars(self).values())


@dataclass(frozen=True)
class Row:
    at: datetime
    service: str
    action: str
    granted: bool
    by: str
    agency: str
    case_id: str
    what: str
    reason: str
    who: str = ""
    """The person's name; empty when neither a sign-in here nor the directory names them."""

    @property
    def when(self) -> str:
        local = self.at.astimezone(LONDON)
        return f"{local.day} {local:%B %Y}, {local:%H:%M:%S}"


@dataclass
class AuditView:
    filters: Filters
    rows: list[Row] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    full: list[str] = field(default_factory=list)
    """Services that answered a full page: there may be older entries than shown."""


async def read_filters(
    params: Mapping[str, str], today: date, errors: forms.Errors, people: KnownPeople
) -> tuple[Filters, AuditQuery]:
    """The filter form (a GET form: it works without JavaScript) as the services' query."""
    f = Filters(
        case_id=forms.text(params, "case_id")[:200],
        person=forms.text(params, "person")[:200],
        agency=forms.text(params, "agency")[:200],
        service=forms.text(params, "service"),
        outcome=forms.text(params, "outcome"),
        action=forms.text(params, "action"),
    )
    if f.service and f.service not in SERVICES:
        errors.add("service", "Select a service from the list")
    if f.outcome not in OUTCOMES:
        errors.add("outcome", "Select allowed, refused or both")
    if f.action not in ACTIONS:
        errors.add("action", "Select reads, changes or both")
    since = forms.a_date(params, "since", errors, what="the first day", today=today, required=False)
    until = forms.a_date(params, "until", errors, what="the last day", today=today, required=False)
    if since and until and until < since:
        errors.add("until", "The last day must be the same as or after the first day", "until-day")
    reference = f.case_id.upper() if REFERENCE.match(f.case_id) else None
    person = f.person or None
    if person:
        called = await people.called(person)
        if len(called) > 1:
            errors.add(
                "person",
                f"More than one person is called {person}: enter the sign-in id of the one "
                "you mean (each entry of theirs shows it)",
            )
        elif called:
            person = called[0].subject
    query = AuditQuery(
        case_id=None if reference else f.case_id or None,
        reference=reference,
        person=person,
        agency=f.agency or None,
        since=since,
        until=until,
        granted=OUTCOMES.get(f.outcome),
        action="read" if f.action == "read" else "change" if f.action == "change" else None,
        limit=PER_SERVICE,
    )
    return f, query


def _row(service: str, entry: Document) -> Row:
    at = datetime.fromisoformat(str(entry.get("at")).replace("Z", "+00:00"))
    route = str(entry.get("route") or "")
    what = " ".join(p for p in (str(entry.get("method") or ""), str(entry.get("path") or "")) if p)
    return Row(
        at=at,
        service=service,
        action=str(entry.get("action") or "read"),
        granted=bool(entry.get("granted")),
        by=str(entry.get("by") or ""),
        agency=str(entry.get("agency") or ""),
        case_id=str(entry.get("case_id") or ""),
        what=what or route.replace("_", " "),
        reason=str(entry.get("reason") or ""),
    )


async def names(
    people: KnownPeople, directory: list[Document], subjects: list[str]
) -> dict[str, str]:
    """Each subject's name: as they signed in here, else the directory's person of that id."""
    found = {s: p.name for s, p in (await people.named(subjects)).items()}
    listed = {str(d.get("person_id")): str(d.get("name") or "") for d in directory}
    for subject in subjects:
        if subject not in found and listed.get(subject):
            found[subject] = listed[subject]
    return found


async def audit(
    api: AuditApi,
    caller: Caller,
    filters: Filters,
    query: AuditQuery,
    people: KnownPeople,
    directory: list[Document] | None = None,
) -> AuditView:
    view = AuditView(filters=filters)
    services = [filters.service] if filters.service else list(SERVICES)

    async def one(service: str) -> tuple[str, list[Document] | None]:
        try:
            return service, await api.entries(caller.token, service, query)
        except ApiError as exc:
            if exc.status in (401, 403):
                raise
            return service, None

    answered: list[Any] = await asyncio.gather(*(one(s) for s in services))
    for service, entries in answered:
        if entries is None:
            view.unavailable.append(SERVICE_WORDS[service])
            continue
        if len(entries) >= query.limit:
            view.full.append(SERVICE_WORDS[service])
        view.rows.extend(_row(service, e) for e in entries)
    named = await names(people, directory or [], sorted({r.by for r in view.rows if r.by}))
    view.rows = [replace(r, who=named.get(r.by, "")) for r in view.rows]
    view.rows.sort(key=lambda r: r.at, reverse=True)
    return view

"""The worklist: ask the scheduler for every open clock, name each subject, order them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sprg_console.adapters.apis import ApiError, Clock, Document
from sprg_console.domain import words
from sprg_console.domain.worklist import Counts, Filters, WorkItem, counts, ordered
from sprg_console.handlers.context import Caller, Deps

STATES = ("open", "paused", "breached")
"""The scheduler's filters whose union is every clock still owed ("open" is open+reminded)."""
LOOKUPS_AT_ONCE = 16


@dataclass(frozen=True)
class Subject:
    reference: str
    agency: str
    url: str


@dataclass(frozen=True)
class WorklistView:
    items: list[WorkItem]
    counts: Counts
    filters: Filters
    kinds: list[tuple[str, str]]
    agencies: list[tuple[str, str]]
    unnamed: int
    """Subjects the reporting read model does not know (yet): shown as 'reference not known'."""


async def open_clocks(deps: Deps, caller: Caller) -> list[Clock]:
    found = await asyncio.gather(
        *(deps.apis.scheduler.clocks(caller.token, state=s) for s in STATES)
    )
    unique = {c.clock_id: c for batch in found for c in batch}
    return list(unique.values())


async def subjects(deps: Deps, caller: Caller, ids: set[str]) -> dict[str, Subject]:
    """Each subject's reference and agency, from reporting's read model (no personal data)."""
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def one(subject_id: str) -> tuple[str, Document | None]:
        async with gate:
            try:
                return subject_id, await deps.apis.reporting.case(caller.token, subject_id)
            except ApiError:
                return subject_id, None

    named: dict[str, Subject] = {}
    for subject_id, doc in await asyncio.gather(*(one(i) for i in sorted(ids))):
        if doc and doc.get("reference"):
            named[subject_id] = Subject(
                reference=str(doc["reference"]),
                agency=str(doc.get("reporting_agency", "")),
                url=f"/cases/{subject_id}",
            )
    return named


async def owners(deps: Deps, caller: Caller) -> dict[str, str]:
    """Clock kind → who owns it, from the notifier's directory (when this person may read it)."""
    try:
        people = await deps.apis.notifier.people(caller.token)
    except ApiError:
        return {}
    owned: dict[str, list[str]] = {}
    for person in people:
        for kind in person.get("owns_clocks", []):
            owned.setdefault(kind, []).append(str(person.get("name", "")))
    return {k: ", ".join(sorted(v)) for k, v in owned.items()}


def _item(
    clock: Clock, subject: Subject | None, owner: str, agency_names: dict[str, str]
) -> WorkItem:
    base = clock.counted_from or clock.anchor_date
    agency = subject.agency if subject else ""
    if clock.duty_details is not None:
        reference = words.duty_noun(clock.kind)
        url = ""
    elif subject is not None:
        reference, url = subject.reference, subject.url
    else:
        reference, url = "Reference not known yet", f"/cases/{clock.case_id}"
    return WorkItem(
        clock_id=clock.clock_id,
        subject_id=clock.case_id,
        subject_reference=reference,
        subject_url=url,
        kind=clock.kind,
        duty=words.duty(clock.kind),
        sentence=words.sentence(clock.kind, clock.anchor, base, clock.due),
        agency=agency_names.get(agency, agency) if agency else "",
        owner=owner or "Business Team",
        due=clock.due,
        working_days_remaining=clock.working_days_remaining,
        overdue=clock.overdue,
        at_risk=clock.at_risk,
        paused=clock.state == "paused",
    )


async def worklist(deps: Deps, caller: Caller, filters: Filters) -> WorklistView:
    clocks = await open_clocks(deps, caller)
    ids = {c.case_id for c in clocks if c.duty_details is None}
    named, owned, agencies = await asyncio.gather(
        subjects(deps, caller, ids), owners(deps, caller), agency_names(deps, caller)
    )
    items = ordered(_item(c, named.get(c.case_id), owned.get(c.kind, ""), agencies) for c in clocks)
    kinds = sorted({(i.kind, words.duty_noun(i.kind)) for i in items}, key=lambda k: k[1])
    agency_options = sorted({(i.agency, i.agency) for i in items if i.agency})
    return WorklistView(
        items=[i for i in items if filters.keeps(i)],
        counts=counts(items),
        filters=filters,
        kinds=kinds,
        agencies=agency_options,
        unnamed=len(ids - named.keys()),
    )


async def agency_names(deps: Deps, caller: Caller) -> dict[str, str]:
    """agency id → its name, from the notifier's directory, else the configured list."""
    return {a["agency_id"]: a["name"] for a in await agencies(deps, caller)}


async def agencies(deps: Deps, caller: Caller) -> list[Document]:
    try:
        found = await deps.apis.notifier.agencies(caller.token)
    except ApiError:
        found = []
    return found or list(deps.agencies)

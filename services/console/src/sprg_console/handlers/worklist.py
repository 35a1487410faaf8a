"""The worklist: ask the scheduler for every open clock, name each subject, order them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sprg_console.adapters.apis import MAX_CLOCKS, ApiError, Clock, Document
from sprg_console.domain import words
from sprg_console.domain.worklist import (
    Counts,
    Filters,
    WorkItem,
    counts_of,
    order_key,
    urgency_of,
)
from sprg_console.handlers.context import Caller, Deps

STATES = ("open", "paused", "breached")
"""The scheduler's filters whose union is every clock still owed ("open" is open+reminded)."""
LOOKUPS_AT_ONCE = 16
PAGE_SIZE = 100


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
    truncated: bool = False
    """The scheduler answered a full page for some state: there may be more than shown."""
    matching: int = 0
    """Rows that pass the filters, on every page."""
    page: int = 1
    pages: int = 1


async def open_clocks(deps: Deps, caller: Caller) -> tuple[list[Clock], bool]:
    """Every clock still owed, and whether the scheduler may have had more to list."""
    found = await asyncio.gather(
        *(
            deps.apis.scheduler.clocks(caller.token, state=s, agency=caller.clock_scope)
            for s in STATES
        )
    )
    unique = {c.clock_id: c for batch in found for c in batch}
    return list(unique.values()), any(len(batch) >= MAX_CLOCKS for batch in found)


async def subjects(deps: Deps, caller: Caller, ids: set[str]) -> dict[str, Subject]:
    """Each subject's reference and agency, from reporting's read model (no personal data):
    one batch lookup; one lookup per subject (16 at a time) if the batch is refused."""
    if not ids:
        return {}
    try:
        docs: dict[str, Document | None] = dict(
            await deps.apis.reporting.cases_by_id(caller.token, sorted(ids))
        )
    except ApiError as exc:
        if exc.status in (401, 403):
            return {}
        docs = await _one_by_one(deps, caller, ids)
    named: dict[str, Subject] = {}
    for subject_id, doc in docs.items():
        if doc and doc.get("reference"):
            named[subject_id] = Subject(
                reference=str(doc["reference"]),
                agency=str(doc.get("reporting_agency", "")),
                url=f"/cases/{subject_id}",
            )
    return named


async def _one_by_one(deps: Deps, caller: Caller, ids: set[str]) -> dict[str, Document | None]:
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def one(subject_id: str) -> tuple[str, Document | None]:
        async with gate:
            try:
                return subject_id, await deps.apis.reporting.case(caller.token, subject_id)
            except ApiError:
                return subject_id, None

    return dict(await asyncio.gather(*(one(i) for i in sorted(ids))))


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
    clock: Clock,
    subject: Subject | None,
    owner: str,
    agency_names: dict[str, str],
    *,
    words_too: bool = True,
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
        # Counting the working days for the words is most of a long list's cost: only for
        # the rows shown.
        sentence=words.sentence(clock.kind, clock.anchor, base, clock.due) if words_too else "",
        agency=agency_names.get(agency, agency) if agency else "",
        agency_id=agency,
        owner=owner or "Business Team",
        due=clock.due,
        working_days_remaining=clock.working_days_remaining,
        overdue=clock.overdue,
        at_risk=clock.at_risk,
        paused=clock.state == "paused",
    )


async def worklist(
    deps: Deps, caller: Caller, filters: Filters, page: int = 1, page_size: int = PAGE_SIZE
) -> WorklistView:
    """One page of the worklist. Every open clock is counted, filtered and ordered on its
    own fields (no row object, no words); only the rows shown are named (one read-model
    lookup per subject, unless a filter needs every name: agency, reference), put into
    words and rendered."""
    clocks, truncated = await open_clocks(deps, caller)
    owned, agency_list = await asyncio.gather(owners(deps, caller), agencies(deps, caller))
    names = {str(a["agency_id"]): str(a["name"]) for a in agency_list}
    needs_names = bool(filters.agency or filters.search.strip())
    named: dict[str, Subject] = {}
    if needs_names:
        named = await subjects(deps, caller, {c.case_id for c in clocks if c.duty_details is None})
    urgency = {
        c.clock_id: urgency_of(overdue=c.overdue, at_risk=c.at_risk, paused=c.state == "paused")
        for c in clocks
    }
    if filters.active:

        def keeps(c: Clock) -> bool:
            subject = named.get(c.case_id) if c.duty_details is None else None
            if c.duty_details is not None:
                reference = words.duty_noun(c.kind)
            else:
                reference = subject.reference if subject else "Reference not known yet"
            agency = subject.agency if subject else ""
            return filters.keeps_row(urgency[c.clock_id], c.kind, agency, reference)

        kept = [c for c in clocks if keeps(c)]
    else:
        kept = clocks
    kept.sort(
        key=lambda c: order_key(
            urgency[c.clock_id], c.working_days_remaining, c.due, c.case_id, c.kind
        )
    )
    pages = max(1, -(-len(kept) // page_size))
    page = min(max(1, page), pages)
    window = kept[(page - 1) * page_size : page * page_size]
    if not needs_names:
        named = await subjects(deps, caller, {c.case_id for c in window if c.duty_details is None})
    shown = [
        _item(c, named.get(c.case_id), owned.get(c.kind, ""), names, words_too=True) for c in window
    ]
    unnamed = {c.case_id for c in window if c.duty_details is None} - named.keys()
    kinds = sorted({(k, words.duty_noun(k)) for k in {c.kind for c in clocks}}, key=lambda k: k[1])
    return WorklistView(
        items=shown,
        counts=counts_of(
            (c.overdue, c.at_risk, c.state == "paused", c.working_days_remaining) for c in clocks
        ),
        filters=filters,
        kinds=kinds,
        agencies=sorted(names.items(), key=lambda a: a[1]),
        unnamed=len(unnamed),
        truncated=truncated,
        matching=len(kept),
        page=page,
        pages=pages,
    )


async def agency_names(deps: Deps, caller: Caller) -> dict[str, str]:
    """agency id → its name, from the notifier's directory, else the configured list."""
    return {a["agency_id"]: a["name"] for a in await agencies(deps, caller)}


async def agencies(deps: Deps, caller: Caller) -> list[Document]:
    try:
        found = await deps.apis.notifier.agencies(caller.token)
    except ApiError:
        found = []
    # In the order people look for them: by name.
    return sorted(found or deps.agencies, key=lambda a: str(a.get("name", "")))

"""Lists, and the pages of subjects other than cases.

Cases, actions and information requests are listed from intake (``handlers.listings``),
Cases of Concern and escalations too, meetings from the SPRG's schedule. The console
keeps no copy of its own: where a service does not list something for a person (an SPRG
member is not given every case; an agency practitioner every escalation), the list shows
what the services do offer (the subjects with duties still open, from the scheduler) and
says so plainly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sprg_console.adapters.apis import ApiError, Clock, Document
from sprg_console.domain import words
from sprg_console.domain.review_words import ESCALATION_STAGES
from sprg_console.domain.worklist import Filters, WorkItem, ordered
from sprg_console.handlers import listings, worklist
from sprg_console.handlers.cases import READ_REASONS, clock_view
from sprg_console.handlers.context import Caller, Deps

SUBJECT_KINDS: dict[str, frozenset[str]] = {
    "case": frozenset(
        {
            "sin_notification",
            "dfe_ofsted_notification",
            "rapid_review",
            "rapid_review_conservative",
            "rapid_review_panel_copy",
            "lcspr_completion",
            "lcspr_prepublication",
            "information_request",
            "imr_return",
        }
    ),
    "escalation": frozenset({"escalation_stage"}),
    "meeting": frozenset({"bimonthly_report", "papers_deadline"}),
    "case_of_concern": frozenset(),
}
LIST_SIZE = 1000
MISSING: dict[str, str] = {
    "case": "Only the Business Team, the Chair and the agency that reported a case see it in "
    "the list of every case: this list shows the cases with a duty still open.",
    "escalation": "Only the Business Team and the SPRG see every escalation: this list shows "
    "the escalations with a stage response still due.",
}


@dataclass(frozen=True)
class ListView:
    items: list[WorkItem]
    missing: str


@dataclass(frozen=True)
class CaseList:
    page: listings.ListPage
    fallback: ListView | None = None
    """for a person intake does not list every case for: the cases with a duty open"""


async def cases(deps: Deps, caller: Caller, filters: listings.ListFilters) -> CaseList:
    """Every case the person may see, from intake, each with its open duties (from the
    scheduler, as on the worklist: the most pressing first)."""
    view = await worklist.worklist(deps, caller, Filters(), page_size=LIST_SIZE)
    open_duties = ordered([i for i in view.items if i.kind in SUBJECT_KINDS["case"]])
    duties: dict[str, list[WorkItem]] = {}
    for item in open_duties:
        duties.setdefault(item.subject_id, []).append(item)
    page = await listings.cases(deps, caller, filters, duties)
    if page.refused:
        return CaseList(page, ListView(items=open_duties, missing=MISSING["case"]))
    return CaseList(page)


async def subjects(deps: Deps, caller: Caller, subject: str) -> ListView:
    kinds = SUBJECT_KINDS.get(subject, frozenset())
    view = await worklist.worklist(deps, caller, Filters(), page_size=LIST_SIZE)
    items = [i for i in view.items if i.kind in kinds]
    return ListView(items=ordered(items), missing=MISSING[subject])


@dataclass
class SubjectView:
    subject_id: str
    reference: str
    record: Document | None
    clocks: list[Any]
    decisions: list[Document]
    reason: str = ""
    refused: str = ""
    unavailable: list[str] = field(default_factory=list)


async def subject(
    deps: Deps, caller: Caller, kind: str, path: str, subject_id: str, reason: str
) -> SubjectView:
    view = SubjectView(subject_id=subject_id, reference="", record=None, clocks=[], decisions=[])
    try:
        view.clocks = [
            clock_view(c)
            for c in await deps.apis.scheduler.clocks(caller.token, case_id=subject_id)
        ]
    except ApiError:
        view.unavailable.append("its clocks (scheduler)")
    try:
        view.decisions = await deps.apis.rules.decisions(caller.token, subject_id)
    except ApiError:
        view.unavailable.append("its decisions (rules)")
    if reason:
        said = READ_REASONS.get(reason, reason)
        try:
            view.record = await deps.apis.intake.read(caller.token, path, reason=said)
            view.reason = said
            opened = view.record.get("opened") or {}
            view.reference = str(view.record.get("reference") or opened.get("reference") or "")
        except ApiError as exc:
            if exc.status in (403, 404):
                view.refused = "You cannot see this record: it was not sent by your agency."
            else:
                view.unavailable.append("the record (intake)")
    return view


@dataclass(frozen=True)
class ActionView:
    action_id: str
    clock: Any
    source_url: str
    facts: listings.ActionRow | None = None


async def action(deps: Deps, caller: Caller, action_id: str) -> ActionView | None:
    """An action by its clock (the scheduler keys it by the action) and by intake's list of
    actions, which knows the done, dropped and clock-less ones too."""
    clocks = await deps.apis.scheduler.clocks(caller.token, agency=caller.clock_scope)
    found: Clock | None = next((c for c in clocks if c.key == action_id), None)
    facts = await listings.action_facts(deps, caller, action_id)
    if found is None and facts is None:
        return None
    return ActionView(
        action_id=action_id,
        clock=None if found is None else clock_view(found),
        source_url=f"/cases/{found.case_id}"
        if found is not None
        else (facts and facts.about_url) or "",
        facts=facts,
    )


_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)


def report_body(page: str, kind: str, period: str) -> str:
    """The reporting service's page inside the console's layout: its body, links to the
    console's own copies of the CSV and JSON, GOV.UK classes on headings and tables."""
    match = _BODY.search(page)
    body = match.group(1) if match else page
    base = f"/v1/reports/{kind}/{period}"
    body = body.replace(f'href="{base}/', f'href="/reports/{kind}/{period}/')
    body = body.replace(f'href="{base}"', f'href="/reports/{kind}/{period}/report.json"')
    body = body.replace("<h1>", '<h1 class="govuk-heading-l">')
    body = body.replace("<h2", '<h2 class="govuk-heading-m"')
    body = body.replace("<table>", '<table class="govuk-table">')
    body = body.replace("<p>", '<p class="govuk-body">')
    return body.replace('<p class="downloads">', '<p class="govuk-body downloads">')


def words_for(kind: str) -> str:
    return words.duty_noun(kind)


@dataclass(frozen=True)
class EscalationRow:
    escalation_id: str
    reference: str
    raised_by: str
    with_agency: str
    stage: str
    started: str
    resolved: str
    formal: bool


@dataclass(frozen=True)
class EscalationList:
    rows: list[EscalationRow]
    formal_open: int
    fallback: ListView | None = None
    unavailable: bool = False


async def escalations(deps: Deps, caller: Caller) -> EscalationList:
    """Every escalation from intake, the open ones at Stage 3 or above first (intake's order
    kept). A person intake does not list them for (an agency practitioner) sees the
    escalations with a stage response still due, from the scheduler, as before."""
    try:
        found = await deps.apis.intake.listing(caller.token, "/v1/escalations")
    except ApiError as exc:
        if exc.status in (401, 403):
            return EscalationList([], 0, fallback=await subjects(deps, caller, "escalation"))
        return EscalationList([], 0, unavailable=True)
    names = await worklist.agency_names(deps, caller)
    rows = []
    for row in found:
        stage = str(row.get("stage", ""))
        resolved = row.get("resolved_date")
        rows.append(
            EscalationRow(
                escalation_id=str(row["escalation_id"]),
                reference=str(row.get("reference", "")),
                raised_by=names.get(str(row.get("raised_by_agency")), "")
                or str(row.get("raised_by_agency", "")),
                with_agency=names.get(str(row.get("with_agency")), "")
                or str(row.get("with_agency", "")),
                stage=ESCALATION_STAGES.get(stage, f"Stage {stage}"),
                started=words.long_date(row.get("stage_started_date")),
                resolved=words.long_date(resolved) if resolved else "",
                formal=bool(row.get("formal")),
            )
        )
    return EscalationList(rows, sum(1 for r in rows if r.formal and not r.resolved))

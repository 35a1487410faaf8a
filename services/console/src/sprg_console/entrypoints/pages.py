"""The pages: each asks a handler and renders what it answers ("ask, render")."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sprg_console.adapters.apis import ApiError
from sprg_console.domain import forms
from sprg_console.domain.worklist import Filters
from sprg_console.entrypoints.routing import Signed, console_of, not_found, posted
from sprg_console.handlers import cases, lists, worklist
from sprg_shared.auth import Role

router = APIRouter(include_in_schema=False)

# Not the Executive Group: the clocks name cases, which the matrix does not give it (the
# scheduler refuses it); it lands on the reports it reads.
WORKLIST_ROLES = (Role.BUSINESS_TEAM, Role.CHAIR, Role.SPRG_MEMBER)
REPORT_KINDS = {
    "sprg_bimonthly": "SPRG bi-monthly report",
    "executive_quarterly": "Review Summary for the Executive Group",
}
PERIOD = re.compile(r"^\d{4}-(\d{2}|Q[1-4])$")
TABLE = re.compile(r"^[a-z0-9_]{1,80}$")


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    caller: Signed,
    status: str = "",
    kind: str = "",
    agency: str = "",
    search: str = "",
    page: int = 1,
) -> Response:
    console = console_of(request)
    if not caller.person.has(*WORKLIST_ROLES):
        if caller.person.has(Role.EXECUTIVE_READER):
            return RedirectResponse("/reports", status_code=303)
        if caller.person.has(Role.RULES_ADMIN) and not caller.person.has(Role.AGENCY_SUBMITTER):
            return RedirectResponse("/rules", status_code=303)  # a maintainer's own work
        return console.render(request, "start.html", title="What do you want to do?")
    filters = Filters(urgency=status, kind=kind, agency=agency, search=search)
    view = await worklist.worklist(console.deps, caller, filters, page)
    query = {"status": status, "kind": kind, "agency": agency, "search": search}
    base = "/?" + urlencode({k: v for k, v in query.items() if v} | {"page": ""})
    return console.render(request, "worklist.html", title="Worklist", view=view, page_link=base)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, case_id: str, caller: Signed, reason: str = "") -> Response:
    console = console_of(request)
    errors = forms.Errors()
    if "reason" in request.query_params and not reason:
        errors.add("reason", "Select why you need to see this case's record")
    view = await cases.case_page(console.deps, caller, case_id, reason)
    return console.render(
        request,
        "case.html",
        title=f"Case {view.reference}" if view.reference else "Case",
        view=view,
        reasons=cases.READ_REASONS,
        errors=errors,
        can_record_submission=caller.person.has(Role.BUSINESS_TEAM),
    )


# --- Reports -----------------------------------------------------------------------------


@router.get("/reports", response_class=HTMLResponse)
async def reports(request: Request, caller: Signed) -> Response:
    console = console_of(request)
    return console.render(
        request,
        "reports.html",
        title="Reports",
        kinds=REPORT_KINDS,
        today=console.today(),
        can_produce=caller.person.has(Role.BUSINESS_TEAM),
    )


@router.get("/reports/{kind}/{period}", response_class=HTMLResponse)
async def report_page(request: Request, kind: str, period: str, caller: Signed) -> Response:
    console = console_of(request)
    if kind not in REPORT_KINDS or not PERIOD.match(period):
        return not_found(request)
    try:
        page = await console.deps.apis.reporting.report_page(caller.token, kind, period)
    except ApiError as exc:
        if exc.status == 404:
            return not_found(request, "Report not found")
        raise
    return console.render(
        request,
        "report.html",
        title=REPORT_KINDS[kind],
        body=lists.report_body(page, kind, period),
        kind=kind,
        period=period,
    )


@router.get("/reports/{kind}/{period}/{name}")
async def report_file(
    request: Request, kind: str, period: str, name: str, caller: Signed
) -> Response:
    console = console_of(request)
    stem, _, suffix = name.rpartition(".")
    if kind not in REPORT_KINDS or not PERIOD.match(period) or not TABLE.match(stem):
        return not_found(request)
    if suffix == "csv":
        content = await console.deps.apis.reporting.report_file(caller.token, kind, period, name)
        return Response(
            content,
            media_type="text/csv",
            headers={"Content-Disposition": f"attachment; filename={kind}-{period}-{name}"},
        )
    if name == "report.json":
        content = await console.deps.apis.reporting.report_file(caller.token, kind, period, "")
        return Response(content, media_type="application/json")
    return not_found(request)


@router.post("/reports", response_class=HTMLResponse)
async def produce_report(request: Request, caller: Signed) -> Response:
    console = console_of(request)
    form = await posted(request)
    kind = form.get("kind", "")
    period = form.get("period", "").strip()
    if kind not in REPORT_KINDS or not PERIOD.match(period):
        return console.render(
            request,
            "reports.html",
            status_code=400,
            title="Error: Reports",
            kinds=REPORT_KINDS,
            today=console.today(),
            can_produce=True,
            error="Enter a period like 2026-09 (a bi-monthly report) or 2026-Q3 (a quarter)",
        )
    await console.deps.apis.reporting.produce(caller.token, kind, period)
    return RedirectResponse(f"/reports/{kind}/{period}", status_code=303)


# --- Lists and other subjects: after every fixed path (they match any first segment) -----


@router.get("/escalations", response_class=HTMLResponse)
async def escalation_list(request: Request, caller: Signed) -> Response:
    """Every escalation, the open ones at Stage 3 or above first (before ``/{kind}``)."""
    console = console_of(request)
    view = await lists.escalations(console.deps, caller)
    return console.render(request, "escalation_list.html", title="Escalations", view=view)


LIST_PAGES = {
    "escalations": ("Escalations", "escalation"),
}


@router.get("/{kind}", response_class=HTMLResponse)
async def subject_list(request: Request, kind: str, caller: Signed) -> Response:
    console = console_of(request)
    if kind not in LIST_PAGES:
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    title, subject = LIST_PAGES[kind]
    view = await lists.subjects(console.deps, caller, subject)
    return console.render(request, "subjects.html", title=title, view=view, kind=kind)


SUBJECT_PAGES = {
    "cases-of-concern": ("case_of_concern", "Case of Concern", "/v1/cases-of-concern/"),
    "escalations": ("escalation", "Escalation", "/v1/escalations/"),
    "meetings": ("meeting", "SPRG meeting", "/v1/meetings/"),
}


@router.get("/{kind}/{subject_id}", response_class=HTMLResponse)
async def subject_page(
    request: Request, kind: str, subject_id: str, caller: Signed, reason: str = ""
) -> Response:
    console = console_of(request)
    if kind == "actions":
        found = await lists.action(console.deps, caller, subject_id)
        if found is None:
            return console.render(
                request, "not_found.html", status_code=404, title="Page not found"
            )
        return console.render(request, "action.html", title="Action", view=found)
    if kind not in SUBJECT_PAGES:
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    subject, noun, path = SUBJECT_PAGES[kind]
    errors = forms.Errors()
    if "reason" in request.query_params and not reason:
        errors.add("reason", f"Select why you need to see this {noun}")
    view = await lists.subject(console.deps, caller, subject, path + subject_id, subject_id, reason)
    return console.render(
        request,
        "subject.html",
        title=f"{noun} {view.reference}".strip(),
        view=view,
        noun=noun,
        reasons=cases.READ_REASONS,
        errors=errors,
    )

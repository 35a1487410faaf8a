"""The pages: each asks a handler and renders what it answers ("ask, render")."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from sprg_console.adapters.apis import ApiError
from sprg_console.domain import forms
from sprg_console.domain.review_words import ESCALATION_STAGES
from sprg_console.domain.worklist import Filters
from sprg_console.entrypoints.web import Console, key_from, new_key
from sprg_console.handlers import cases, lists, submissions, worklist
from sprg_console.handlers.context import Caller
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


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def _caller(request: Request) -> Caller:
    return await _console(request).caller(request)


Signed = Annotated[Caller, Depends(_caller)]


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
    console = _console(request)
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
    console = _console(request)
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


# --- Recording the SIN submission --------------------------------------------------------


@router.get("/cases/{case_id}/sin-submission", response_class=HTMLResponse)
async def sin_form(request: Request, case_id: str, caller: Signed) -> Response:
    console = _console(request)
    view = await cases.case_page(console.deps, caller, case_id)
    return console.render(
        request,
        "sin_submission.html",
        title="Record the notification to the Panel",
        view=view,
        form={},
        errors=forms.Errors(),
        key=new_key(),
    )


@router.post("/cases/{case_id}/sin-submission", response_class=HTMLResponse)
async def sin_record(request: Request, case_id: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    out = await submissions.record_sin_submission(
        console.deps, caller, case_id, data, key, console.today()
    )
    view = await cases.case_page(console.deps, caller, case_id)
    if out.errors:
        return console.render(
            request,
            "sin_submission.html",
            status_code=400,
            title="Error: Record the notification to the Panel",
            view=view,
            form=data,
            errors=out.errors,
            key=key,
        )
    return console.render(
        request,
        "sin_submitted.html",
        title="Notification to the Panel recorded",
        view=view,
        answer=out.answer,
        submitted=forms.date_parts(data, "submitted"),
    )


# --- Asking an agency for information -------------------------------------------------


@router.get("/cases/{case_id}/information-requests", response_class=HTMLResponse)
async def request_form(request: Request, case_id: str, caller: Signed) -> Response:
    return await _request_page(request, caller, case_id, {}, forms.Errors(), new_key(), 200)


async def _request_page(
    request: Request,
    caller: Caller,
    case_id: str,
    form: dict[str, str],
    errors: forms.Errors,
    key: str,
    status: int,
) -> Response:
    console = _console(request)
    view = await cases.case_page(console.deps, caller, case_id)
    agencies = await worklist.agencies(console.deps, caller)
    return console.render(
        request,
        "request_information.html",
        status_code=status,
        title=errors.title("Ask an agency for information"),
        view=view,
        form=form,
        errors=errors,
        key=key,
        kinds=submissions.REQUEST_KINDS,
        agencies=agencies,
    )


@router.post("/cases/{case_id}/information-requests", response_class=HTMLResponse)
async def request_send(request: Request, case_id: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    known = {str(a["agency_id"]) for a in await worklist.agencies(console.deps, caller)}
    out = await submissions.request_information(
        console.deps, caller, case_id, data, known, key, console.today()
    )
    if out.errors or out.answer is None:
        return await _request_page(request, caller, case_id, data, out.errors, key, 400)
    view = await cases.case_page(console.deps, caller, case_id)
    request_id = str(out.answer.get("record_id", ""))
    return console.render(
        request,
        "request_sent.html",
        title="Request sent",
        view=view,
        agency=data.get("agency", ""),
        due=forms.date_parts(data, "due"),
        return_path=f"/cases/{case_id}/requests/{request_id}/return",
    )


# --- An agency's forms -------------------------------------------------------------------


@router.get("/report-an-incident", response_class=HTMLResponse)
async def incident_form(request: Request, caller: Signed) -> Response:
    return _incident_page(request, {}, forms.Errors(), new_key(), 200)


def _incident_page(
    request: Request, form: dict[str, str], errors: forms.Errors, key: str, status: int
) -> Response:
    return _console(request).render(
        request,
        "incident.html",
        status_code=status,
        title=errors.title("Report a serious incident"),
        form=form,
        errors=errors,
        key=key,
        kinds=submissions.INCIDENT_KINDS,
        locations=submissions.LOCATIONS,
        abuse=submissions.ABUSE,
    )


@router.post("/report-an-incident", response_class=HTMLResponse)
async def incident_send(request: Request, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    out = await submissions.report_incident(console.deps, caller, data, key, console.today())
    if out.errors:
        return _incident_page(request, data, out.errors, key, 400)
    return console.render(
        request, "incident_sent.html", title="Incident reported", answer=out.answer
    )


@router.get("/refer-a-case-of-concern", response_class=HTMLResponse)
async def coc_form(request: Request, caller: Signed) -> Response:
    return await _coc_page(request, caller, {}, [], forms.Errors(), new_key(), 200)


async def _coc_page(
    request: Request,
    caller: Caller,
    form: dict[str, str],
    chosen: list[str],
    errors: forms.Errors,
    key: str,
    status: int,
) -> Response:
    console = _console(request)
    agencies = await worklist.agencies(console.deps, caller)
    return console.render(
        request,
        "case_of_concern.html",
        status_code=status,
        title=errors.title("Refer a Case of Concern"),
        form=form,
        chosen=chosen,
        errors=errors,
        key=key,
        agencies=agencies,
    )


@router.post("/refer-a-case-of-concern", response_class=HTMLResponse)
async def coc_send(request: Request, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    data = {k: str(v) for k, v in form.items() if k != "agencies"}
    chosen = [str(v) for v in form.getlist("agencies")]
    key = key_from(form)
    known = {str(a["agency_id"]) for a in await worklist.agencies(console.deps, caller)}
    out = await submissions.refer_case_of_concern(
        console.deps, caller, data, chosen, known, key, console.today()
    )
    if out.errors:
        return await _coc_page(request, caller, data, chosen, out.errors, key, 400)
    return console.render(
        request, "coc_sent.html", title="Case of Concern referred", answer=out.answer
    )


@router.get("/raise-an-escalation", response_class=HTMLResponse)
async def escalation_form(request: Request, caller: Signed) -> Response:
    return await _escalation_page(request, caller, {}, forms.Errors(), new_key(), 200)


async def _escalation_page(
    request: Request,
    caller: Caller,
    form: dict[str, str],
    errors: forms.Errors,
    key: str,
    status: int,
) -> Response:
    console = _console(request)
    agencies = await worklist.agencies(console.deps, caller)
    return console.render(
        request,
        "escalation.html",
        status_code=status,
        title=errors.title("Raise an escalation"),
        form=form,
        errors=errors,
        key=key,
        stages=ESCALATION_STAGES,
        agencies=sorted(
            (a for a in agencies if a.get("agency_id") != caller.person.agency),
            key=lambda a: str(a.get("name", "")),
        ),
    )


@router.post("/raise-an-escalation", response_class=HTMLResponse)
async def escalation_send(request: Request, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    agencies = await worklist.agencies(console.deps, caller)
    known = {str(a["agency_id"]) for a in agencies}
    out = await submissions.raise_escalation(
        console.deps, caller, data, known, key, console.today()
    )
    if out.errors or out.answer is None:
        return await _escalation_page(request, caller, data, out.errors, key, 400)
    names = {str(a["agency_id"]): str(a.get("name", a["agency_id"])) for a in agencies}
    return console.render(
        request,
        "escalation_sent.html",
        title="Escalation recorded",
        answer=out.answer,
        with_agency=names.get(data.get("with_agency", ""), ""),
        stage=ESCALATION_STAGES.get(data.get("stage", ""), ""),
    )


@router.get("/cases/{case_id}/requests/{request_id}/return", response_class=HTMLResponse)
async def return_form(request: Request, case_id: str, request_id: str, caller: Signed) -> Response:
    return _return_page(request, case_id, request_id, {}, forms.Errors(), new_key(), 200)


def _return_page(
    request: Request,
    case_id: str,
    request_id: str,
    form: dict[str, str],
    errors: forms.Errors,
    key: str,
    status: int,
) -> Response:
    return _console(request).render(
        request,
        "return.html",
        status_code=status,
        title=errors.title("Send your return"),
        case_id=case_id,
        request_id=request_id,
        form=form,
        errors=errors,
        key=key,
    )


@router.post("/cases/{case_id}/requests/{request_id}/return", response_class=HTMLResponse)
async def return_send(request: Request, case_id: str, request_id: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    data = {k: str(v) for k, v in form.items() if k != "documents"}
    documents = []
    for upload in form.getlist("documents"):
        if isinstance(upload, UploadFile):
            content = await upload.read()
            if content:
                documents.append(
                    (
                        str(upload.filename or "document"),
                        content,
                        str(upload.content_type or "application/octet-stream"),
                    )
                )
    key = key_from(form)
    await form.close()
    out = await submissions.send_return(
        console.deps, caller, case_id, request_id, data, documents, key, console.today()
    )
    if out.errors:
        return _return_page(request, case_id, request_id, data, out.errors, key, 400)
    return console.render(request, "return_sent.html", title="Return sent", answer=out.answer)


# --- Reports -----------------------------------------------------------------------------


@router.get("/reports", response_class=HTMLResponse)
async def reports(request: Request, caller: Signed) -> Response:
    console = _console(request)
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
    console = _console(request)
    if kind not in REPORT_KINDS or not PERIOD.match(period):
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    try:
        page = await console.deps.apis.reporting.report_page(caller.token, kind, period)
    except ApiError as exc:
        if exc.status == 404:
            return console.render(
                request, "not_found.html", status_code=404, title="Report not found"
            )
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
    console = _console(request)
    stem, _, suffix = name.rpartition(".")
    if kind not in REPORT_KINDS or not PERIOD.match(period) or not TABLE.match(stem):
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
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
    return console.render(request, "not_found.html", status_code=404, title="Page not found")


@router.post("/reports", response_class=HTMLResponse)
async def produce_report(request: Request, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    kind = str(form.get("kind", ""))
    period = str(form.get("period", "")).strip()
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


@router.get("/cases", response_class=HTMLResponse)
async def case_list(request: Request, caller: Signed) -> Response:
    console = _console(request)
    view = await lists.cases(console.deps, caller)
    return console.render(request, "cases.html", title="Cases", view=view)


@router.get("/escalations", response_class=HTMLResponse)
async def escalation_list(request: Request, caller: Signed) -> Response:
    """Every escalation, the open ones at Stage 3 or above first (before ``/{kind}``)."""
    console = _console(request)
    view = await lists.escalations(console.deps, caller)
    return console.render(request, "escalation_list.html", title="Escalations", view=view)


@router.get("/information-requests", response_class=HTMLResponse)
async def requests_list(request: Request, caller: Signed) -> Response:
    """Information requests still owed, the overdue first, and the returns that came in."""
    console = _console(request)
    view = await lists.requests_and_returns(console.deps, caller)
    return console.render(
        request, "requests_list.html", title="Information requests and returns", view=view
    )


LIST_PAGES = {
    "cases-of-concern": ("Cases of Concern", "case_of_concern"),
    "escalations": ("Escalations", "escalation"),
    "meetings": ("SPRG meetings", "meeting"),
    "actions": ("Actions", "action"),
}


@router.get("/{kind}", response_class=HTMLResponse)
async def subject_list(request: Request, kind: str, caller: Signed) -> Response:
    console = _console(request)
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
    console = _console(request)
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

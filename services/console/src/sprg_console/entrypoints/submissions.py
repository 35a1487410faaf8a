"""The forms that start or feed a case: an agency's report of an incident, its referral of a
Case of Concern, its escalation and its return; the Business Team's record of the
notification to the Panel and its request for information. Each is one ``FormPage`` row."""

from __future__ import annotations

from fastapi import APIRouter

from sprg_console.domain import forms
from sprg_console.domain.review_words import ESCALATION_STAGES
from sprg_console.entrypoints import form_pages
from sprg_console.entrypoints.form_pages import Confirm, Context, FormPage, Ids, Posted, Result
from sprg_console.entrypoints.web import Console
from sprg_console.handlers import cases, submissions, worklist
from sprg_console.handlers.context import Caller

router = APIRouter(include_in_schema=False)


# --- Recording the SIN submission ----------------------------------------------------------


async def _case(console: Console, caller: Caller, ids: Ids) -> Context:
    return {"view": await cases.case_page(console.deps, caller, ids["case_id"])}


async def _send_sin(p: Posted) -> Result:
    return await submissions.record_sin_submission(
        p.deps, p.caller, p.ids["case_id"], p.sent.fields, p.key, p.today
    )


def _sin_done(p: Posted, out: Result) -> Confirm:
    return Confirm(
        "sin_submitted.html",
        "Notification to the Panel recorded",
        {
            "view": p.shown["view"],
            "answer": out.answer,
            "submitted": forms.date_parts(p.sent.fields, "submitted"),
        },
    )


# --- Asking an agency for information ------------------------------------------------------


async def _case_and_agencies(console: Console, caller: Caller, ids: Ids) -> Context:
    return {
        **await _case(console, caller, ids),
        "kinds": submissions.REQUEST_KINDS,
        "agencies": await worklist.agencies(console.deps, caller),
    }


async def _send_request(p: Posted) -> Result:
    return await submissions.request_information(
        p.deps, p.caller, p.ids["case_id"], p.sent.fields, p.agency_ids(), p.key, p.today
    )


def _request_done(p: Posted, out: Result) -> Confirm:
    request_id = str((out.answer or {}).get("record_id", ""))
    return Confirm(
        "request_sent.html",
        "Request sent",
        {
            "view": p.shown["view"],
            "agency": p.sent.get("agency"),
            "due": forms.date_parts(p.sent.fields, "due"),
            "return_path": f"/cases/{p.ids['case_id']}/requests/{request_id}/return",
        },
    )


# --- An agency's forms ---------------------------------------------------------------------


async def _incident(console: Console, caller: Caller, ids: Ids) -> Context:
    return {
        "kinds": submissions.INCIDENT_KINDS,
        "locations": submissions.LOCATIONS,
        "abuse": submissions.ABUSE,
    }


async def _send_incident(p: Posted) -> Result:
    return await submissions.report_incident(p.deps, p.caller, p.sent.fields, p.key, p.today)


async def _agencies(console: Console, caller: Caller, ids: Ids) -> Context:
    return {"agencies": await worklist.agencies(console.deps, caller)}


async def _send_coc(p: Posted) -> Result:
    return await submissions.refer_case_of_concern(
        p.deps, p.caller, p.sent.fields, p.sent.items("agencies"), p.agency_ids(), p.key, p.today
    )


async def _other_agencies(console: Console, caller: Caller, ids: Ids) -> Context:
    """Every agency but the caller's own is offered; the handler is told of all of them (so
    that naming one's own agency is refused in words)."""
    every = await worklist.agencies(console.deps, caller)
    return {
        "stages": ESCALATION_STAGES,
        "every_agency": every,
        "agencies": [a for a in every if a.get("agency_id") != caller.person.agency],
    }


async def _send_escalation(p: Posted) -> Result:
    known = p.agency_ids("every_agency")
    return await submissions.raise_escalation(
        p.deps, p.caller, p.sent.fields, known, p.key, p.today
    )


def _escalation_done(p: Posted, out: Result) -> Confirm:
    names = {
        str(a["agency_id"]): str(a.get("name", a["agency_id"])) for a in p.shown["every_agency"]
    }
    return Confirm(
        "escalation_sent.html",
        "Escalation recorded",
        {
            "answer": out.answer,
            "with_agency": names.get(p.sent.get("with_agency"), ""),
            "stage": ESCALATION_STAGES.get(p.sent.get("stage"), ""),
        },
    )


async def _send_return(p: Posted) -> Result:
    documents = p.sent.files["documents"]
    return await submissions.send_return(
        p.deps,
        p.caller,
        p.ids["case_id"],
        p.ids["request_id"],
        p.sent.fields,
        documents,
        p.key,
        p.today,
    )


def _sent(template: str, title: str) -> form_pages.After:
    """A confirmation page that shows what the service answered."""

    def done(p: Posted, out: Result) -> Confirm:
        return Confirm(template, title, {"answer": out.answer})

    return done


FORMS = (
    FormPage(
        path="/cases/{case_id}/sin-submission",
        template="sin_submission.html",
        title="Record the notification to the Panel",
        load=_case,
        send=_send_sin,
        done=_sin_done,
    ),
    FormPage(
        path="/cases/{case_id}/information-requests",
        template="request_information.html",
        title="Ask an agency for information",
        load=_case_and_agencies,
        send=_send_request,
        done=_request_done,
    ),
    FormPage(
        path="/report-an-incident",
        template="incident.html",
        title="Report a serious incident",
        load=_incident,
        send=_send_incident,
        done=_sent("incident_sent.html", "Incident reported"),
    ),
    FormPage(
        path="/refer-a-case-of-concern",
        template="case_of_concern.html",
        title="Refer a Case of Concern",
        load=_agencies,
        send=_send_coc,
        done=_sent("coc_sent.html", "Case of Concern referred"),
        ticked=("agencies",),
    ),
    FormPage(
        path="/raise-an-escalation",
        template="escalation.html",
        title="Raise an escalation",
        load=_other_agencies,
        send=_send_escalation,
        done=_escalation_done,
    ),
    FormPage(
        path="/cases/{case_id}/requests/{request_id}/return",
        template="return.html",
        title="Send your return",
        send=_send_return,
        done=_sent("return_sent.html", "Return sent"),
        files=("documents",),
    ),
)
for _form in FORMS:
    form_pages.add(router, _form)

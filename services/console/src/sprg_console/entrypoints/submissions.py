"""The forms that start or feed a case: an agency's report of an incident, its referral of a
Case of Concern, its escalation and its return; the Business Team's record of the
notification to the Panel and its request for information. Each is one ``FormPage`` row."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from sprg_console.domain import forms
from sprg_console.domain.review_words import ESCALATION_STAGES
from sprg_console.entrypoints import form_pages
from sprg_console.entrypoints.form_pages import Confirm, Context, FormPage, Ids, Result
from sprg_console.entrypoints.web import Console
from sprg_console.handlers import cases, submissions, worklist
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Sent

router = APIRouter(include_in_schema=False)


def _known(ctx: Context) -> set[str]:
    """The agencies a form may name: every agency the page was shown with."""
    return {str(a["agency_id"]) for a in ctx["agencies"]}


# --- Recording the SIN submission ----------------------------------------------------------


async def _case(console: Console, caller: Caller, ids: Ids) -> Context:
    return {"view": await cases.case_page(console.deps, caller, ids["case_id"])}


async def _send_sin(
    deps: Deps, caller: Caller, ids: Ids, sent: Sent, key: str, today: date, ctx: Context
) -> Result:
    return await submissions.record_sin_submission(
        deps, caller, ids["case_id"], sent.fields, key, today
    )


def _sin_done(ids: Ids, sent: Sent, out: Result, ctx: Context) -> Confirm:
    return Confirm(
        "sin_submitted.html",
        "Notification to the Panel recorded",
        {
            "view": ctx["view"],
            "answer": out.answer,
            "submitted": forms.date_parts(sent.fields, "submitted"),
        },
    )


# --- Asking an agency for information ------------------------------------------------------


async def _case_and_agencies(console: Console, caller: Caller, ids: Ids) -> Context:
    return {
        **await _case(console, caller, ids),
        "kinds": submissions.REQUEST_KINDS,
        "agencies": await worklist.agencies(console.deps, caller),
    }


async def _send_request(
    deps: Deps, caller: Caller, ids: Ids, sent: Sent, key: str, today: date, ctx: Context
) -> Result:
    return await submissions.request_information(
        deps, caller, ids["case_id"], sent.fields, _known(ctx), key, today
    )


def _request_done(ids: Ids, sent: Sent, out: Result, ctx: Context) -> Confirm:
    request_id = str((out.answer or {}).get("record_id", ""))
    return Confirm(
        "request_sent.html",
        "Request sent",
        {
            "view": ctx["view"],
            "agency": sent.get("agency"),
            "due": forms.date_parts(sent.fields, "due"),
            "return_path": f"/cases/{ids['case_id']}/requests/{request_id}/return",
        },
    )


# --- An agency's forms ---------------------------------------------------------------------


async def _incident(console: Console, caller: Caller, ids: Ids) -> Context:
    return {
        "kinds": submissions.INCIDENT_KINDS,
        "locations": submissions.LOCATIONS,
        "abuse": submissions.ABUSE,
    }


async def _send_incident(
    deps: Deps, caller: Caller, ids: Ids, sent: Sent, key: str, today: date, ctx: Context
) -> Result:
    return await submissions.report_incident(deps, caller, sent.fields, key, today)


async def _agencies(console: Console, caller: Caller, ids: Ids) -> Context:
    return {"agencies": await worklist.agencies(console.deps, caller)}


async def _send_coc(
    deps: Deps, caller: Caller, ids: Ids, sent: Sent, key: str, today: date, ctx: Context
) -> Result:
    return await submissions.refer_case_of_concern(
        deps, caller, sent.fields, sent.items("agencies"), _known(ctx), key, today
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


async def _send_escalation(
    deps: Deps, caller: Caller, ids: Ids, sent: Sent, key: str, today: date, ctx: Context
) -> Result:
    known = {str(a["agency_id"]) for a in ctx["every_agency"]}
    return await submissions.raise_escalation(deps, caller, sent.fields, known, key, today)


def _escalation_done(ids: Ids, sent: Sent, out: Result, ctx: Context) -> Confirm:
    names = {str(a["agency_id"]): str(a.get("name", a["agency_id"])) for a in ctx["every_agency"]}
    return Confirm(
        "escalation_sent.html",
        "Escalation recorded",
        {
            "answer": out.answer,
            "with_agency": names.get(sent.get("with_agency"), ""),
            "stage": ESCALATION_STAGES.get(sent.get("stage"), ""),
        },
    )


async def _send_return(
    deps: Deps, caller: Caller, ids: Ids, sent: Sent, key: str, today: date, ctx: Context
) -> Result:
    documents = sent.files["documents"]
    return await submissions.send_return(
        deps, caller, ids["case_id"], ids["request_id"], sent.fields, documents, key, today
    )


def _sent(template: str, title: str) -> form_pages.After:
    """A confirmation page that shows what the service answered."""

    def done(ids: Ids, sent: Sent, out: Result, ctx: Context) -> Confirm:
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

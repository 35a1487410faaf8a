"""SPRG meetings' pages: the schedule, a meeting (agenda, papers deadline, attendance,
quoracy, minutes, actions) and the Business Team's forms on it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sprg_console.domain import forms, words
from sprg_console.entrypoints import form_pages
from sprg_console.entrypoints.form_pages import (
    Context,
    FormPage,
    Ids,
    Loader,
    Posted,
    Result,
    SeeOther,
)
from sprg_console.entrypoints.routing import Signed, console_of, not_found, posted, refused
from sprg_console.entrypoints.web import Console, key_from
from sprg_console.handlers import meetings, worklist
from sprg_console.handlers.context import Caller
from sprg_shared.auth import Role

router = APIRouter(include_in_schema=False)

READERS = (Role.BUSINESS_TEAM, Role.CHAIR, Role.SPRG_MEMBER)
RECORDERS = (Role.BUSINESS_TEAM, Role.CHAIR)
"""Who records attendance, minutes, actions and their follow-up (intake's matrix); opening
a meeting's record from the schedule is the Business Team's alone."""
REASONS: dict[str, str] = {
    "prepare": "Preparing for or chairing the meeting",
    "record": "Recording attendance, minutes or actions",
    "follow_up": "Following up the meeting's actions",
}
MEETING_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
"""A meeting's id (sprg-meeting-YYYY-MM-DD today) or an action's."""
DONE = {
    "record": "The meeting's record was opened",
    "attendance": "Attendance recorded",
    "minutes": "Minutes recorded",
    "action": "Action recorded",
    "update": "Action updated",
}


@router.get("/meetings", response_class=HTMLResponse)
async def schedule(request: Request, caller: Signed) -> Response:
    console = console_of(request)
    if refusal := refused(request, caller, READERS):
        return refusal
    view = await meetings.schedule(console.deps, caller, console.today())
    return console.render(request, "meetings.html", title="SPRG meetings", view=view)


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
async def meeting_page(
    request: Request, meeting_id: str, caller: Signed, reason: str = "", done: str = ""
) -> Response:
    console = console_of(request)
    if not MEETING_ID.match(meeting_id):
        return not_found(request)
    if refusal := refused(request, caller, READERS):
        return refusal
    errors = forms.Errors()
    if "reason" in request.query_params and reason not in REASONS:
        errors.add("reason", "Select why you need to see this meeting's papers")
    said = REASONS.get(reason, "")
    view = await meetings.meeting(console.deps, caller, meeting_id, console.today(), said)
    return console.render(
        request,
        "meeting.html",
        title=view.reference,
        view=view,
        reasons=REASONS,
        reason=reason if said else "",
        errors=errors,
        done=DONE.get(done, ""),
        can_record=caller.person.has(*RECORDERS),
        can_open=caller.person.has(Role.BUSINESS_TEAM),
        attendance=meetings.ATTENDANCE,
    )


@router.post("/meetings/{meeting_id}/record", response_class=HTMLResponse)
async def open_record(request: Request, meeting_id: str, caller: Signed) -> Response:
    console = console_of(request)
    data = await posted(request)
    if not MEETING_ID.match(meeting_id):
        return not_found(request)
    if refusal := refused(request, caller, (Role.BUSINESS_TEAM,)):
        return refusal
    plan = await meetings.schedule(console.deps, caller, console.today())
    found = next((m for m in plan.upcoming + plan.past if m.meeting_id == meeting_id), None)
    if found is None:
        return not_found(request)
    out = await meetings.open_record(console.deps, caller, found, key_from(data))
    if out.errors:
        return console.render(
            request,
            "problem.html",
            status_code=400,
            title="The meeting's record could not be opened",
            message=" ".join(out.errors.messages.values()),
        )
    return RedirectResponse(f"/meetings/{meeting_id}?reason=record&done=record", status_code=303)


# --- The Business Team's and the chair's forms on a meeting -------------------------------


def _reference(meeting_id: str) -> str:
    day = meetings.meeting_day(meeting_id)
    return f"SPRG meeting of {words.long_date(day)}" if day else meeting_id


def _back(done: str) -> Callable[[Posted, Result], SeeOther]:
    """Back to the meeting, which says what was done."""

    def back(p: Posted, out: Result) -> SeeOther:
        return SeeOther(f"/meetings/{p.ids['meeting_id']}?reason=record&done={done}")

    return back


async def _attendance(console: Console, caller: Caller, ids: Ids) -> Context:
    seats = await meetings.seats(console.deps, caller)
    return {"seats": seats, "attendance": meetings.ATTENDANCE}


async def _action(console: Console, caller: Caller, ids: Ids) -> Context:
    return {"agencies": await worklist.agencies(console.deps, caller)}


async def _update(console: Console, caller: Caller, ids: Ids) -> Context:
    return {"statuses": meetings.ACTION_STATUS}


async def _send_attendance(p: Posted) -> Result:
    return await meetings.record_attendance(
        p.deps, p.caller, p.ids["meeting_id"], p.shown["seats"], p.sent.fields, p.key, p.today
    )


async def _send_minutes(p: Posted) -> Result:
    return await meetings.record_minutes(
        p.deps, p.caller, p.ids["meeting_id"], p.sent.fields, p.key, p.today
    )


async def _send_action(p: Posted) -> Result:
    known = p.agency_ids()
    return await meetings.record_action(
        p.deps, p.caller, p.ids["meeting_id"], p.sent.fields, known, p.key, p.today
    )


async def _send_update(p: Posted) -> Result:
    return await meetings.update_action(
        p.deps, p.caller, p.ids["action_id"], p.sent.fields, p.key, p.today
    )


def _with_reference(load: Loader) -> Loader:
    async def loaded(console: Console, caller: Caller, ids: Ids) -> Context | None:
        ctx = await load(console, caller, ids)
        return None if ctx is None else {"reference": _reference(ids["meeting_id"]), **ctx}

    return loaded


FORMS = (
    FormPage(
        path="/meetings/{meeting_id}/attendance",
        template="meeting_attendance.html",
        title="Record attendance",
        load=_attendance,
        send=_send_attendance,
        done=_back("attendance"),
    ),
    FormPage(
        path="/meetings/{meeting_id}/minutes",
        template="meeting_minutes.html",
        title="Record the minutes",
        send=_send_minutes,
        done=_back("minutes"),
    ),
    FormPage(
        path="/meetings/{meeting_id}/actions",
        template="meeting_action.html",
        title="Record an action",
        load=_action,
        send=_send_action,
        done=_back("action"),
    ),
    FormPage(
        path="/meetings/{meeting_id}/actions/{action_id}",
        template="meeting_action_update.html",
        title="Follow up an action",
        load=_update,
        send=_send_update,
        done=_back("update"),
    ),
)
for _form in FORMS:
    form_pages.add(
        router, replace(_form, load=_with_reference(_form.load), roles=RECORDERS, ids=MEETING_ID)
    )

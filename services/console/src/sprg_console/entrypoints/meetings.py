"""SPRG meetings' pages: the schedule, a meeting (agenda, papers deadline, attendance,
quoracy, minutes, actions) and the Business Team's forms on it."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sprg_console.domain import forms, words
from sprg_console.entrypoints.web import Console, key_from, new_key
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
MEETING_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")  # sprg-meeting-YYYY-MM-DD today
ACTION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
DONE = {
    "record": "The meeting's record was opened",
    "attendance": "Attendance recorded",
    "minutes": "Minutes recorded",
    "action": "Action recorded",
    "update": "Action updated",
}


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def _caller(request: Request) -> Caller:
    return await _console(request).caller(request)


Signed = Annotated[Caller, Depends(_caller)]


def _refuse(request: Request, caller: Caller, *roles: Role) -> Response | None:
    console = _console(request)
    if caller.person.has(*roles):
        return None
    return console.render(
        request,
        "problem.html",
        status_code=403,
        title="You cannot see this page",
        message="Your account does not give access to it. If you need it, ask the CSCP "
        "Business Team.",
    )


def _not_found(request: Request) -> Response:
    return _console(request).render(
        request, "not_found.html", status_code=404, title="Page not found"
    )


@router.get("/meetings", response_class=HTMLResponse)
async def schedule(request: Request, caller: Signed) -> Response:
    console = _console(request)
    if refused := _refuse(request, caller, *READERS):
        return refused
    view = await meetings.schedule(console.deps, caller, console.today())
    return console.render(request, "meetings.html", title="SPRG meetings", view=view)


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
async def meeting_page(
    request: Request, meeting_id: str, caller: Signed, reason: str = "", done: str = ""
) -> Response:
    console = _console(request)
    if not MEETING_ID.match(meeting_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *READERS):
        return refused
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
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if not MEETING_ID.match(meeting_id):
        return _not_found(request)
    if refused := _refuse(request, caller, Role.BUSINESS_TEAM):
        return refused
    plan = await meetings.schedule(console.deps, caller, console.today())
    found = next((m for m in plan.upcoming + plan.past if m.meeting_id == meeting_id), None)
    if found is None:
        return _not_found(request)
    out = await meetings.open_record(console.deps, caller, found, key_from(form))
    if out.errors:
        return console.render(
            request,
            "problem.html",
            status_code=400,
            title="The meeting's record could not be opened",
            message=" ".join(out.errors.messages.values()),
        )
    return RedirectResponse(f"/meetings/{meeting_id}?reason=record&done=record", status_code=303)


# --- Attendance ------------------------------------------------------------------------


async def _attendance_page(
    request: Request,
    caller: Caller,
    meeting_id: str,
    form: dict[str, str],
    errors: forms.Errors,
    key: str,
    status: int,
) -> Response:
    console = _console(request)
    seats = await meetings.seats(console.deps, caller)
    return console.render(
        request,
        "meeting_attendance.html",
        status_code=status,
        title=errors.title("Record attendance"),
        meeting_id=meeting_id,
        reference=_reference(meeting_id),
        seats=seats,
        attendance=meetings.ATTENDANCE,
        form=form,
        errors=errors,
        key=key,
    )


def _reference(meeting_id: str) -> str:
    day = meetings.meeting_day(meeting_id)
    return f"SPRG meeting of {words.long_date(day)}" if day else meeting_id


@router.get("/meetings/{meeting_id}/attendance", response_class=HTMLResponse)
async def attendance_form(request: Request, meeting_id: str, caller: Signed) -> Response:
    if not MEETING_ID.match(meeting_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *RECORDERS):
        return refused
    return await _attendance_page(request, caller, meeting_id, {}, forms.Errors(), new_key(), 200)


@router.post("/meetings/{meeting_id}/attendance", response_class=HTMLResponse)
async def attendance_send(request: Request, meeting_id: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if not MEETING_ID.match(meeting_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *RECORDERS):
        return refused
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    seats = await meetings.seats(console.deps, caller)
    out = await meetings.record_attendance(
        console.deps, caller, meeting_id, seats, data, key, console.today()
    )
    if out.errors:
        return await _attendance_page(request, caller, meeting_id, data, out.errors, key, 400)
    return RedirectResponse(
        f"/meetings/{meeting_id}?reason=record&done=attendance", status_code=303
    )


# --- Minutes -----------------------------------------------------------------------------


def _minutes_page(
    request: Request,
    meeting_id: str,
    form: dict[str, str],
    errors: forms.Errors,
    key: str,
    status: int,
) -> Response:
    return _console(request).render(
        request,
        "meeting_minutes.html",
        status_code=status,
        title=errors.title("Record the minutes"),
        meeting_id=meeting_id,
        reference=_reference(meeting_id),
        form=form,
        errors=errors,
        key=key,
    )


@router.get("/meetings/{meeting_id}/minutes", response_class=HTMLResponse)
async def minutes_form(request: Request, meeting_id: str, caller: Signed) -> Response:
    if not MEETING_ID.match(meeting_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *RECORDERS):
        return refused
    return _minutes_page(request, meeting_id, {}, forms.Errors(), new_key(), 200)


@router.post("/meetings/{meeting_id}/minutes", response_class=HTMLResponse)
async def minutes_send(request: Request, meeting_id: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if not MEETING_ID.match(meeting_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *RECORDERS):
        return refused
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    out = await meetings.record_minutes(
        console.deps, caller, meeting_id, data, key, console.today()
    )
    if out.errors:
        return _minutes_page(request, meeting_id, data, out.errors, key, 400)
    return RedirectResponse(f"/meetings/{meeting_id}?reason=record&done=minutes", status_code=303)


# --- Actions -----------------------------------------------------------------------------


async def _action_page(
    request: Request,
    caller: Caller,
    meeting_id: str,
    form: dict[str, str],
    errors: forms.Errors,
    key: str,
    status: int,
) -> Response:
    console = _console(request)
    agencies = await worklist.agencies(console.deps, caller)
    return console.render(
        request,
        "meeting_action.html",
        status_code=status,
        title=errors.title("Record an action"),
        meeting_id=meeting_id,
        reference=_reference(meeting_id),
        agencies=agencies,
        form=form,
        errors=errors,
        key=key,
    )


@router.get("/meetings/{meeting_id}/actions", response_class=HTMLResponse)
async def action_form(request: Request, meeting_id: str, caller: Signed) -> Response:
    if not MEETING_ID.match(meeting_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *RECORDERS):
        return refused
    return await _action_page(request, caller, meeting_id, {}, forms.Errors(), new_key(), 200)


@router.post("/meetings/{meeting_id}/actions", response_class=HTMLResponse)
async def action_send(request: Request, meeting_id: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if not MEETING_ID.match(meeting_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *RECORDERS):
        return refused
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    known = {str(a["agency_id"]) for a in await worklist.agencies(console.deps, caller)}
    out = await meetings.record_action(
        console.deps, caller, meeting_id, data, known, key, console.today()
    )
    if out.errors:
        return await _action_page(request, caller, meeting_id, data, out.errors, key, 400)
    return RedirectResponse(f"/meetings/{meeting_id}?reason=record&done=action", status_code=303)


def _update_page(
    request: Request,
    meeting_id: str,
    action_id: str,
    form: dict[str, str],
    errors: forms.Errors,
    key: str,
    status: int,
) -> Response:
    return _console(request).render(
        request,
        "meeting_action_update.html",
        status_code=status,
        title=errors.title("Follow up an action"),
        meeting_id=meeting_id,
        action_id=action_id,
        reference=_reference(meeting_id),
        statuses=meetings.ACTION_STATUS,
        form=form,
        errors=errors,
        key=key,
    )


@router.get("/meetings/{meeting_id}/actions/{action_id}", response_class=HTMLResponse)
async def update_form(
    request: Request, meeting_id: str, action_id: str, caller: Signed
) -> Response:
    if not MEETING_ID.match(meeting_id) or not ACTION_ID.match(action_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *RECORDERS):
        return refused
    return _update_page(request, meeting_id, action_id, {}, forms.Errors(), new_key(), 200)


@router.post("/meetings/{meeting_id}/actions/{action_id}", response_class=HTMLResponse)
async def update_send(
    request: Request, meeting_id: str, action_id: str, caller: Signed
) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if not MEETING_ID.match(meeting_id) or not ACTION_ID.match(action_id):
        return _not_found(request)
    if refused := _refuse(request, caller, *RECORDERS):
        return refused
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    out = await meetings.update_action(console.deps, caller, action_id, data, key, console.today())
    if out.errors:
        return _update_page(request, meeting_id, action_id, data, out.errors, key, 400)
    return RedirectResponse(f"/meetings/{meeting_id}?reason=record&done=update", status_code=303)

"""Administration's pages for the CSCP Business Team: directory and seats,
subscriptions, the calendar's closure days."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sprg_console.domain import forms
from sprg_console.entrypoints.web import Console, key_from, new_key
from sprg_console.handlers import admin, worklist
from sprg_console.handlers.context import Caller
from sprg_shared.auth import Role

router = APIRouter(include_in_schema=False)


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def _caller(request: Request) -> Caller:
    return await _console(request).caller(request)


Signed = Annotated[Caller, Depends(_caller)]


def _refused(request: Request, caller: Caller) -> Response | None:
    if caller.person.has(Role.BUSINESS_TEAM):
        return None
    return _console(request).render(
        request,
        "problem.html",
        status_code=403,
        title="You cannot see this page",
        message="Administration is for the CSCP Business Team.",
    )


@router.get("/administration", response_class=HTMLResponse)
async def index(request: Request, caller: Signed) -> Response:
    if refused := _refused(request, caller):
        return refused
    return _console(request).render(request, "admin.html", title="Administration")


@router.get("/administration/directory", response_class=HTMLResponse)
async def directory(request: Request, caller: Signed, done: str = "") -> Response:
    console = _console(request)
    if refused := _refused(request, caller):
        return refused
    view = await admin.directory(console.deps, caller)
    return console.render(
        request,
        "admin_directory.html",
        title="Directory and seats",
        view=view,
        done={"seat": "Seat holder recorded", "person": "Person's details changed"}.get(done, ""),
    )


@router.get("/administration/subscriptions", response_class=HTMLResponse)
async def subscriptions(request: Request, caller: Signed, done: str = "") -> Response:
    console = _console(request)
    if refused := _refused(request, caller):
        return refused
    found = await console.deps.apis.admin.subscriptions(caller.token)
    return console.render(
        request,
        "admin_subscriptions.html",
        title="Who is told about what",
        rows=admin.subscription_rows(found),
        done="Subscription changed" if done else "",
    )


async def _calendar(
    request: Request,
    caller: Caller,
    form: dict[str, str] | None = None,
    errors: forms.Errors | None = None,
    done: str = "",
) -> Response:
    console = _console(request)
    view = await admin.calendar(console.deps, caller)
    errors = errors or forms.Errors()
    return console.render(
        request,
        "admin_calendar.html",
        status_code=400 if errors else 200,
        title=errors.title("Closure days"),
        view=view,
        form=form or {},
        errors=errors,
        done=done,
    )


@router.get("/administration/calendar", response_class=HTMLResponse)
async def calendar(request: Request, caller: Signed, done: str = "") -> Response:
    if refused := _refused(request, caller):
        return refused
    said = {
        "added": "Closure day added. It changes nothing until you confirm it below.",
        "confirmed": "Closure days confirmed: the new calendar is in force and the clocks "
        "listed were recalculated.",
    }
    return await _calendar(request, caller, done=said.get(done, ""))


@router.post("/administration/calendar/closures", response_class=HTMLResponse)
async def add_closure(request: Request, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if refused := _refused(request, caller):
        return refused
    data = {k: str(v) for k, v in form.items()}
    errors = await admin.add_closure(console.deps, caller, data, console.today())
    if errors:
        return await _calendar(request, caller, data, errors)
    return RedirectResponse("/administration/calendar?done=added", status_code=303)


@router.post("/administration/calendar/confirm", response_class=HTMLResponse)
async def confirm(request: Request, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if refused := _refused(request, caller):
        return refused
    _, errors = await admin.confirm(console.deps, caller, {k: str(v) for k, v in form.items()})
    if errors:
        return await _calendar(request, caller, errors=errors)
    return RedirectResponse("/administration/calendar?done=confirmed", status_code=303)


async def _seat_page(
    request: Request,
    caller: Caller,
    seat_id: str,
    form: dict[str, str],
    errors: forms.Errors,
    key: str,
) -> Response:
    console = _console(request)
    seats = await console.deps.apis.meetings.membership(caller.token)
    seat = next((s for s in seats if s.get("seat") == seat_id), None)
    if seat is None:
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    agencies = await worklist.agencies(console.deps, caller)
    return console.render(
        request,
        "admin_seat.html",
        status_code=400 if errors else 200,
        title=errors.title("Who holds this seat"),
        seat=seat,
        agencies=agencies,
        form=form,
        errors=errors,
        key=key,
    )


@router.get("/administration/seats/{seat_id}", response_class=HTMLResponse)
async def seat_form(request: Request, seat_id: str, caller: Signed) -> Response:
    if refused := _refused(request, caller):
        return refused
    return await _seat_page(request, caller, seat_id, {}, forms.Errors(), new_key())


@router.post("/administration/seats/{seat_id}", response_class=HTMLResponse)
async def seat_send(request: Request, seat_id: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if refused := _refused(request, caller):
        return refused
    data = {k: str(v) for k, v in form.items()}
    key = key_from(form)
    seats = await console.deps.apis.meetings.membership(caller.token)
    seat = next((s for s in seats if s.get("seat") == seat_id), None)
    if seat is None:
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    known = {str(a["agency_id"]) for a in await worklist.agencies(console.deps, caller)}
    errors = await admin.record_seat_holder(
        console.deps, caller, seat, data, known, key, console.today()
    )
    if errors:
        return await _seat_page(request, caller, seat_id, data, errors, key)
    return RedirectResponse("/administration/directory?done=seat", status_code=303)


# --- Editing a person in the directory ----------------------------------------------------


async def _person_page(
    request: Request,
    caller: Caller,
    person: dict[str, object],
    form: dict[str, str],
    chosen: dict[str, list[str]],
    errors: forms.Errors,
    key: str,
) -> Response:
    console = _console(request)
    roles = await console.deps.apis.admin.directory_roles(caller.token)
    agencies = await worklist.agencies(console.deps, caller)
    return console.render(
        request,
        "admin_person.html",
        status_code=400 if errors else 200,
        title=errors.title(f"Change {person.get('name', 'this person')}"),
        entry=person,
        form=form,
        chosen=chosen,
        errors=errors,
        key=key,
        roles=admin.role_words(roles, for_person=True),
        clocks=admin.clock_words(),
        delivery=admin.DELIVERY,
        agencies=agencies,
    )


@router.get("/administration/people/{person_id}", response_class=HTMLResponse)
async def person_form(request: Request, person_id: str, caller: Signed) -> Response:
    console = _console(request)
    if refused := _refused(request, caller):
        return refused
    person = await console.deps.apis.admin.person(caller.token, person_id)
    if person is None:
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    form = {k: str(person.get(k) or "") for k in ("name", "email", "agency", "delivery")}
    chosen = {
        "roles": [str(r) for r in person.get("roles", [])],
        "owns_clocks": [str(c) for c in person.get("owns_clocks", [])],
    }
    return await _person_page(request, caller, person, form, chosen, forms.Errors(), new_key())


@router.post("/administration/people/{person_id}", response_class=HTMLResponse)
async def person_send(request: Request, person_id: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if refused := _refused(request, caller):
        return refused
    person = await console.deps.apis.admin.person(caller.token, person_id)
    if person is None:
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    data = {k: str(v) for k, v in form.items() if k not in ("roles", "owns_clocks")}
    chosen = {
        "roles": [str(v) for v in form.getlist("roles")],
        "owns_clocks": [str(v) for v in form.getlist("owns_clocks")],
    }
    known = {str(a["agency_id"]) for a in await worklist.agencies(console.deps, caller)}
    offered = admin.role_words(
        await console.deps.apis.admin.directory_roles(caller.token), for_person=True
    )
    errors = await admin.edit_person(
        console.deps,
        caller,
        person,
        data,
        chosen["roles"],
        chosen["owns_clocks"],
        known,
        set(offered),
    )
    if errors:
        return await _person_page(request, caller, person, data, chosen, errors, key_from(form))
    return RedirectResponse("/administration/directory?done=person", status_code=303)


# --- Editing who a subscription is sent to -----------------------------------------------


async def _subscription_page(
    request: Request,
    caller: Caller,
    subscription: dict[str, object],
    chosen: list[str],
    errors: forms.Errors,
    key: str,
) -> Response:
    console = _console(request)
    roles = await console.deps.apis.admin.directory_roles(caller.token)
    [row] = admin.subscription_rows([subscription])
    return console.render(
        request,
        "admin_subscription.html",
        status_code=400 if errors else 200,
        title=errors.title("Who this message is sent to"),
        subscription=row,
        kept=admin.subscription_rows(
            [{**subscription, "recipients": admin.conditional_recipients(subscription)}]
        )[0]["recipients"],
        chosen=chosen,
        errors=errors,
        key=key,
        roles=admin.role_words(roles, for_person=False),
    )


@router.get("/administration/subscriptions/{name}", response_class=HTMLResponse)
async def subscription_form(request: Request, name: str, caller: Signed) -> Response:
    console = _console(request)
    if refused := _refused(request, caller):
        return refused
    found = await console.deps.apis.admin.subscription(caller.token, name)
    if found is None:
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    return await _subscription_page(
        request, caller, found, admin.plain_recipients(found), forms.Errors(), new_key()
    )


@router.post("/administration/subscriptions/{name}", response_class=HTMLResponse)
async def subscription_send(request: Request, name: str, caller: Signed) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    if refused := _refused(request, caller):
        return refused
    found = await console.deps.apis.admin.subscription(caller.token, name)
    if found is None:
        return console.render(request, "not_found.html", status_code=404, title="Page not found")
    chosen = [str(v) for v in form.getlist("roles")]
    offered = admin.role_words(
        await console.deps.apis.admin.directory_roles(caller.token), for_person=False
    )
    errors = await admin.edit_subscription(console.deps, caller, found, chosen, set(offered))
    if errors:
        return await _subscription_page(request, caller, found, chosen, errors, key_from(form))
    return RedirectResponse("/administration/subscriptions?done=1", status_code=303)

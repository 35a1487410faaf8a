"""Administration's pages for the CSCP Business Team: directory and seats,
subscriptions, the calendar's closure days."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sprg_console.domain import forms
from sprg_console.entrypoints import form_pages
from sprg_console.entrypoints.form_pages import Context, FormPage, Ids, Posted, Result, SeeOther
from sprg_console.entrypoints.routing import Signed, console_of, posted, refused
from sprg_console.entrypoints.web import Console
from sprg_console.handlers import admin, worklist
from sprg_console.handlers.context import Caller
from sprg_console.handlers.recording import Outcome, Sent
from sprg_shared.auth import Role

router = APIRouter(include_in_schema=False)


TEAM = (Role.BUSINESS_TEAM,)
REFUSAL = ("You cannot see this page", "Administration is for the CSCP Business Team.")


def _refused(request: Request, caller: Caller) -> Response | None:
    return refused(request, caller, TEAM, REFUSAL)


@router.get("/administration", response_class=HTMLResponse)
async def index(request: Request, caller: Signed) -> Response:
    if refused := _refused(request, caller):
        return refused
    return console_of(request).render(request, "admin.html", title="Administration")


@router.get("/administration/directory", response_class=HTMLResponse)
async def directory(request: Request, caller: Signed, done: str = "") -> Response:
    console = console_of(request)
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
    console = console_of(request)
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
    console = console_of(request)
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
    console = console_of(request)
    data = await posted(request)
    if refused := _refused(request, caller):
        return refused
    errors = await admin.add_closure(console.deps, caller, data, console.today())
    if errors:
        return await _calendar(request, caller, data, errors)
    return RedirectResponse("/administration/calendar?done=added", status_code=303)


@router.post("/administration/calendar/confirm", response_class=HTMLResponse)
async def confirm(request: Request, caller: Signed) -> Response:
    console = console_of(request)
    data = await posted(request)
    if refused := _refused(request, caller):
        return refused
    _, errors = await admin.confirm(console.deps, caller, data)
    if errors:
        return await _calendar(request, caller, errors=errors)
    return RedirectResponse("/administration/calendar?done=confirmed", status_code=303)


# --- Who holds a seat, a person in the directory, who a subscription is sent to -----------


async def _seat(console: Console, caller: Caller, ids: Ids) -> Context | None:
    seats = await console.deps.apis.meetings.membership(caller.token)
    seat = next((s for s in seats if s.get("seat") == ids["seat_id"]), None)
    if seat is None:
        return None
    return {"seat": seat, "agencies": await worklist.agencies(console.deps, caller)}


async def _send_seat(p: Posted) -> Result:
    known = p.agency_ids()
    return Outcome(
        await admin.record_seat_holder(
            p.deps, p.caller, p.shown["seat"], p.sent.fields, known, p.key, p.today
        )
    )


async def _person(console: Console, caller: Caller, ids: Ids) -> Context | None:
    person = await console.deps.apis.admin.person(caller.token, ids["person_id"])
    if person is None:
        return None
    roles = await console.deps.apis.admin.directory_roles(caller.token)
    return {
        "entry": person,
        "roles": admin.role_words(roles, for_person=True),
        "clocks": admin.clock_words(),
        "delivery": admin.DELIVERY,
        "agencies": await worklist.agencies(console.deps, caller),
    }


def _as_recorded(ctx: Context) -> Sent:
    person = ctx["entry"]
    return Sent(
        fields={k: str(person.get(k) or "") for k in ("name", "email", "agency", "delivery")},
        ticked={name: [str(v) for v in person.get(name, [])] for name in PERSON_TICKED},
    )


async def _send_person(p: Posted) -> Result:
    known = p.agency_ids()
    roles, clocks = p.sent.items("roles"), p.sent.items("owns_clocks")
    offered = set(p.shown["roles"])
    return Outcome(
        await admin.edit_person(
            p.deps, p.caller, p.shown["entry"], p.sent.fields, roles, clocks, known, offered
        )
    )


async def _subscription(console: Console, caller: Caller, ids: Ids) -> Context | None:
    found = await console.deps.apis.admin.subscription(caller.token, ids["name"])
    if found is None:
        return None
    roles = await console.deps.apis.admin.directory_roles(caller.token)
    [row] = admin.subscription_rows([found])
    kept = {**found, "recipients": admin.conditional_recipients(found)}
    return {
        "found": found,
        "subscription": row,
        "kept": admin.subscription_rows([kept])[0]["recipients"],
        "roles": admin.role_words(roles, for_person=False),
    }


async def _send_subscription(p: Posted) -> Result:
    roles, offered = p.sent.items("roles"), set(p.shown["roles"])
    return Outcome(
        await admin.edit_subscription(p.deps, p.caller, p.shown["found"], roles, offered)
    )


def _back(url: str) -> form_pages.After:
    """Back to the list, which says what was changed."""

    def back(p: Posted, out: Result) -> SeeOther:
        return SeeOther(url)

    return back


PERSON_TICKED = ("roles", "owns_clocks")
FORMS = (
    FormPage(
        path="/administration/seats/{seat_id}",
        template="admin_seat.html",
        title="Who holds this seat",
        load=_seat,
        send=_send_seat,
        done=_back("/administration/directory?done=seat"),
    ),
    FormPage(
        path="/administration/people/{person_id}",
        template="admin_person.html",
        title=lambda ctx: f"Change {ctx['entry'].get('name', 'this person')}",
        load=_person,
        prefill=_as_recorded,
        send=_send_person,
        done=_back("/administration/directory?done=person"),
        ticked=PERSON_TICKED,
    ),
    FormPage(
        path="/administration/subscriptions/{name}",
        template="admin_subscription.html",
        title="Who this message is sent to",
        load=_subscription,
        prefill=lambda ctx: Sent(ticked={"roles": admin.plain_recipients(ctx["found"])}),
        send=_send_subscription,
        done=_back("/administration/subscriptions?done=1"),
        ticked=("roles",),
    ),
)
for _form in FORMS:
    form_pages.add(router, replace(_form, roles=TEAM, refusal=REFUSAL))

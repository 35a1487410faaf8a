"""The lists of cases, of actions and of information requests with their returns, and an
agency practitioner's "asked of you": each asks ``handlers.listings`` and renders ("ask,
render").

Included before ``pages.router``, whose ``/{kind}`` pages would otherwise answer ``/actions``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sprg_console.domain import forms
from sprg_console.entrypoints.routing import Signed, console_of
from sprg_console.handlers import listings, lists

router = APIRouter(include_in_schema=False)


def _query(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in request.query_params.items()}


@router.get("/cases", response_class=HTMLResponse)
async def case_list(request: Request, caller: Signed) -> Response:
    """Every case the person may see, the newest first; searched by reference, filtered by
    agency and the dates reported; each with its open duties."""
    console = console_of(request)
    errors = forms.Errors()
    query = _query(request)
    filters = listings.read_filters(query, listings.NO_STATUS, errors, listings.REPORTED)
    view = await lists.cases(console.deps, caller, filters)
    return console.render(
        request,
        "cases.html",
        status_code=400 if errors else 200,
        title=errors.title("Cases"),
        view=view.page,
        fallback=view.fallback,
        errors=errors,
        form=query,
        statuses=listings.NO_STATUS,
    )


@router.get("/actions", response_class=HTMLResponse)
async def action_list(request: Request, caller: Signed) -> Response:
    """Every action, done and closed ones too, the overdue first; filtered and searched."""
    console = console_of(request)
    errors = forms.Errors()
    query = _query(request)
    filters = listings.read_filters(query, listings.ACTION_STATUSES, errors)
    view = await listings.actions(console.deps, caller, filters)
    return console.render(
        request,
        "actions_list.html",
        status_code=400 if errors else 200,
        title=errors.title("Actions"),
        view=view,
        errors=errors,
        form=query,
        statuses=listings.ACTION_STATUSES,
    )


@router.get("/information-requests", response_class=HTMLResponse)
async def request_list(request: Request, caller: Signed) -> Response:
    """Every information request with its returns, the overdue first; filtered, searched."""
    console = console_of(request)
    errors = forms.Errors()
    query = _query(request)
    filters = listings.read_filters(query, listings.REQUEST_STATUSES, errors)
    view = await listings.requests(console.deps, caller, filters)
    return console.render(
        request,
        "requests_list.html",
        status_code=400 if errors else 200,
        title=errors.title("Information requests and returns"),
        view=view,
        errors=errors,
        form=query,
        statuses=listings.REQUEST_STATUSES,
    )


@router.get("/asked-of-you", response_class=HTMLResponse)
async def asked_of_you(request: Request, caller: Signed) -> Response:
    """What is asked of the person's agency and by when."""
    console = console_of(request)
    view = await listings.asked_of_you(console.deps, caller)
    return console.render(request, "asked_of_you.html", title="What is asked of you", view=view)

"""The lists of cases, of actions and of information requests with their returns, and an
agency practitioner's "asked of you": each asks ``handlers.listings`` and renders ("ask,
render").

Included before ``pages.router``, whose ``/{kind}`` pages would otherwise answer ``/actions``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sprg_console.domain import forms
from sprg_console.entrypoints.routing import Signed, console_of
from sprg_console.handlers import listings, lists
from sprg_console.handlers.context import Caller, Deps

router = APIRouter(include_in_schema=False)


def _query(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in request.query_params.items()}


@dataclass(frozen=True)
class ListPage:
    """A list searched and filtered by the GOV.UK filter form: its address, template and
    title, the statuses and the pair of dates it filters by, and what it shows (the
    template's context, from ``handlers``)."""

    path: str
    template: str
    title: str
    statuses: Mapping[str, str]
    load: Callable[[Deps, Caller, listings.ListFilters], Awaitable[dict[str, Any]]]
    dates: listings.Dates = listings.DUE


async def _cases(deps: Deps, caller: Caller, filters: listings.ListFilters) -> dict[str, Any]:
    view = await lists.cases(deps, caller, filters)
    return {"view": view.page, "fallback": view.fallback}


async def _actions(deps: Deps, caller: Caller, filters: listings.ListFilters) -> dict[str, Any]:
    return {"view": await listings.actions(deps, caller, filters)}


async def _requests(deps: Deps, caller: Caller, filters: listings.ListFilters) -> dict[str, Any]:
    return {"view": await listings.requests(deps, caller, filters)}


LIST_PAGES = (
    # Every case the person may see, the newest first, each with its open duties.
    ListPage("/cases", "cases.html", "Cases", listings.NO_STATUS, _cases, listings.REPORTED),
    # Every action, done and closed ones too, the overdue first.
    ListPage("/actions", "actions_list.html", "Actions", listings.ACTION_STATUSES, _actions),
    # Every information request with its returns, the overdue first.
    ListPage(
        "/information-requests",
        "requests_list.html",
        "Information requests and returns",
        listings.REQUEST_STATUSES,
        _requests,
    ),
)


def _add(page: ListPage) -> None:
    async def show(request: Request, caller: Signed) -> Response:
        console = console_of(request)
        errors = forms.Errors()
        query = _query(request)
        filters = listings.read_filters(query, page.statuses, errors, page.dates)
        return console.render(
            request,
            page.template,
            status_code=400 if errors else 200,
            title=errors.title(page.title),
            errors=errors,
            form=query,
            statuses=page.statuses,
            **await page.load(console.deps, caller, filters),
        )

    router.add_api_route(page.path, show, methods=["GET"], response_class=HTMLResponse)


for _page in LIST_PAGES:
    _add(_page)


@router.get("/asked-of-you", response_class=HTMLResponse)
async def asked_of_you(request: Request, caller: Signed) -> Response:
    """What is asked of the person's agency and by when."""
    console = console_of(request)
    view = await listings.asked_of_you(console.deps, caller)
    return console.render(request, "asked_of_you.html", title="What is asked of you", view=view)

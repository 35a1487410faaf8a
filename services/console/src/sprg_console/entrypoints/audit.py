"""``/audit``: the Business Team's view of every service's audit log (reads and changes,
by case, person, agency and date, refusals included). Its own router, installed before
the pages' catch-all ``/{kind}``."""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from sprg_console.adapters.apis import ApiError, Document
from sprg_console.adapters.audit import SERVICES, AuditApi
from sprg_console.domain import forms
from sprg_console.entrypoints.web import Console
from sprg_console.handlers import audit as handler
from sprg_console.handlers.context import Caller
from sprg_shared.auth import Role

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


def install(app: FastAPI, api: AuditApi) -> None:
    app.state.audit_api = api
    app.include_router(router)


async def _directory(console: Console, caller: Caller) -> list[Document]:
    """The notifier's directory, to name people who never signed in here; without it the
    page still shows every entry."""
    try:
        return await console.deps.apis.notifier.people(caller.token)
    except ApiError as exc:
        log.warning("no directory for the audit's names", extra={"status": exc.status})
        return []


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request) -> Response:
    console: Console = request.app.state.console
    caller: Caller = await console.caller(request)
    if not caller.person.has(Role.BUSINESS_TEAM):
        return console.render(
            request,
            "problem.html",
            status_code=403,
            title="You cannot see this page",
            message="The audit is for the CSCP Business Team. If you need to know who saw "
            "a record, ask the CSCP Business Team.",
        )
    errors = forms.Errors()
    params = dict(request.query_params)
    filters, query = await handler.read_filters(params, console.today(), errors, console.people)
    view = (
        handler.AuditView(filters=filters)
        if errors
        else await handler.audit(
            request.app.state.audit_api,
            caller,
            filters,
            query,
            console.people,
            await _directory(console, caller),
        )
    )
    return console.render(
        request,
        "audit.html",
        status_code=200,
        title="Audit: who read or changed what",
        view=view,
        form=params,
        errors=errors,
        services=[(s, handler.SERVICE_WORDS[s]) for s in SERVICES],
        searched=not errors and bool(request.query_params),
    )

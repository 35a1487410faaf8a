"""What every page's route starts from: the console, the signed-in caller, and the two
refusals (a page that does not exist, a page this person may not use)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from sprg_console.entrypoints.web import Console
from sprg_console.handlers.context import Caller
from sprg_shared.auth import Role

NO_ACCESS = (
    "You cannot see this page",
    "Your account does not give access to it. If you need it, ask the CSCP Business Team.",
)
"""The 403 page's title and message, unless a group of pages says its own."""


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def _caller(request: Request) -> Caller:
    return await console_of(request).caller(request)


Signed = Annotated[Caller, Depends(_caller)]
"""A route's signed-in caller (else the route sends them to sign in)."""


async def posted(request: Request) -> dict[str, str]:
    """A posted form's fields, once its CSRF token is checked (else ``BadCsrf``)."""
    console = console_of(request)
    form = await request.form()
    console.check_csrf(request, form)
    return {k: str(v) for k, v in form.items()}


def not_found(request: Request, title: str = "Page not found") -> Response:
    return console_of(request).render(request, "not_found.html", status_code=404, title=title)


def refused(
    request: Request, caller: Caller, roles: tuple[Role, ...], words: tuple[str, str] = NO_ACCESS
) -> Response | None:
    """None when the caller holds one of ``roles`` (or none are asked), else the 403 page."""
    if not roles or caller.person.has(*roles):
        return None
    title, message = words
    return console_of(request).render(
        request, "problem.html", status_code=403, title=title, message=message
    )

"""How every form page is served, written once: shown with a fresh Idempotency-Key, read
back, checked by its handler, then either shown again with its errors (400) or answered
with a confirmation page or a redirect that says it was done.

A page is one ``FormPage`` row: its address, template and title, who may use it, what it
shows besides the form (``load``: None when its subject does not exist), how the form is
sent (``send``), and what comes after (``done``). ``add`` gives it its GET and POST routes.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from sprg_console.adapters.apis import Document
from sprg_console.domain import forms
from sprg_console.entrypoints.routing import NO_ACCESS, Signed, console_of, not_found, refused
from sprg_console.entrypoints.web import Console, key_from, new_key
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Sent, Upload
from sprg_shared.auth import Role

Ids = dict[str, str]
"""The page's path parameters, e.g. ``{"case_id": ...}``."""
Context = dict[str, Any]
"""What the template shows besides the form."""


class Result(Protocol):
    """What a handler answers: errors to show on the form again, or what was recorded."""

    @property
    def errors(self) -> forms.Errors: ...

    @property
    def answer(self) -> Document | None: ...


@dataclass(frozen=True)
class Confirm:
    """The confirmation page: its template, title and what it shows."""

    template: str
    title: str
    context: Context = field(default_factory=dict)


@dataclass(frozen=True)
class SeeOther:
    """Back to a page that says what was done (303)."""

    url: str


@dataclass(frozen=True)
class Posted:
    """A form as it came back, with what its handler may need."""

    deps: Deps
    caller: Caller
    ids: Ids
    sent: Sent
    key: str
    """The Idempotency-Key the form was shown with."""
    today: date
    shown: Context
    """What the page showed besides the form (``FormPage.load``)."""

    def agency_ids(self, shown: str = "agencies") -> set[str]:
        """The agencies the page offered (its ``shown`` list): the only ones it may name."""
        return {str(a["agency_id"]) for a in self.shown[shown]}


Loader = Callable[[Console, Caller, Ids], Awaitable[Context | None]]
Sender = Callable[[Posted], Awaitable[Result]]
After = Callable[[Posted, Result], Confirm | SeeOther]


async def _nothing(console: Console, caller: Caller, ids: Ids) -> Context:
    return {}


@dataclass(frozen=True)
class FormPage:
    path: str
    template: str
    title: str | Callable[[Context], str]
    send: Sender
    done: After
    roles: tuple[Role, ...] = ()
    """Who may use it; nobody is refused when empty."""
    refusal: tuple[str, str] = NO_ACCESS
    load: Loader = _nothing
    prefill: Callable[[Context], Sent] | None = None
    """The form as first shown, from what ``load`` found (else blank)."""
    ids: re.Pattern[str] | None = None
    """Each path parameter must match it, else the page is not found."""
    ticked: tuple[str, ...] = ()
    """Names of checkbox groups (several values each)."""
    files: tuple[str, ...] = ()
    """Names of file inputs (several files each)."""


async def _read(form: Any, page: FormPage) -> Sent:
    files: dict[str, list[Upload]] = {}
    for name in page.files:
        files[name] = []
        for upload in form.getlist(name):
            if isinstance(upload, UploadFile) and (content := await upload.read()):
                filename = str(upload.filename or "document")
                kind = str(upload.content_type or "application/octet-stream")
                files[name].append((filename, content, kind))
    multiple = page.ticked + page.files
    return Sent(
        fields={k: str(v) for k, v in form.items() if k not in multiple},
        ticked={name: [str(v) for v in form.getlist(name)] for name in page.ticked},
        files=files,
    )


def add(router: APIRouter, page: FormPage) -> None:
    """The form's GET (the form as first shown) and POST (check, send, confirm)."""

    def shown(
        request: Request, sent: Sent, errors: forms.Errors, key: str, ctx: Context, status: int
    ) -> Response:
        title = page.title(ctx) if callable(page.title) else page.title
        return console_of(request).render(
            request,
            page.template,
            status_code=status,
            title=errors.title(title),
            heading=title,
            form=sent.fields,
            ticked=sent.ticked,
            errors=errors,
            key=key,
            **ctx,
        )

    async def opened(request: Request, caller: Caller) -> tuple[Ids, Context] | Response:
        ids: Ids = dict(request.path_params)
        if page.ids and not all(page.ids.match(v) for v in ids.values()):
            return not_found(request)
        if refusal := refused(request, caller, page.roles, page.refusal):
            return refusal
        ctx = await page.load(console_of(request), caller, ids)
        if ctx is None:
            return not_found(request)
        return ids, {**ids, **ctx}

    async def show(request: Request, caller: Signed) -> Response:
        found = await opened(request, caller)
        if isinstance(found, Response):
            return found
        _, ctx = found
        sent = page.prefill(ctx) if page.prefill else Sent()
        return shown(request, sent, forms.Errors(), new_key(), ctx, 200)

    async def record(request: Request, caller: Signed) -> Response:
        console = console_of(request)
        form = await request.form()
        console.check_csrf(request, form)
        found = await opened(request, caller)
        if isinstance(found, Response):
            return found
        ids, ctx = found
        sent = await _read(form, page)
        key = key_from(form)
        await form.close()
        posted = Posted(console.deps, caller, ids, sent, key, console.today(), ctx)
        out = await page.send(posted)
        if out.errors:
            return shown(request, sent, out.errors, key, ctx, 400)
        after = page.done(posted, out)
        if isinstance(after, SeeOther):
            return RedirectResponse(after.url, status_code=303)
        return console.render(request, after.template, title=after.title, **after.context)

    router.add_api_route(page.path, show, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(page.path, record, methods=["POST"], response_class=HTMLResponse)

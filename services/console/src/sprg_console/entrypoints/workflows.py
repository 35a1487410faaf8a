"""How a case-work form is served: shown with a fresh Idempotency-Key, read back, checked by
its handler, then either shown again with its errors or answered with a confirmation page
that says what happens next.

Each form is one ``Workflow`` row (its address, template, handler, who may use it, what
happens next); ``add`` gives it its GET and POST routes. The modules ``rapid_review``,
``lcspr``, ``triage`` and ``corrections`` list their rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sprg_console.adapters.apis import ApiError
from sprg_console.domain import forms, review_words
from sprg_console.entrypoints.web import Console, key_from, new_key
from sprg_console.handlers import worklist
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Sent
from sprg_console.handlers.submissions import Outcome
from sprg_shared.auth import Role

Handler = Callable[[Deps, Caller, dict[str, str], Sent, str, date], Awaitable[Outcome]]
NextSteps = Callable[[Sent], list[str]]


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def _caller(request: Request) -> Caller:
    return await _console(request).caller(request)


Signed = Annotated[Caller, Depends(_caller)]

SUBJECTS = {
    "case_id": ("Case", "/cases/"),
    "coc_id": ("Case of Concern", "/cases-of-concern/"),
    "escalation_id": ("Escalation", "/escalations/"),
}


@dataclass(frozen=True)
class Subject:
    """What the form is about: its id, the reference people know it by, where "Back" goes."""

    subject_id: str
    noun: str
    reference: str
    back: str


@dataclass(frozen=True)
class Workflow:
    path: str
    """The form's address, e.g. ``/cases/{case_id}/rapid-review/outcome``."""
    template: str
    title: str
    handler: Handler
    roles: tuple[Role, ...]
    done_title: str
    next_steps: NextSteps
    ticked: tuple[str, ...] = ()
    """Names of checkbox groups (several values each)."""
    needs_agencies: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


async def subject_of(console: Console, caller: Caller, ids: dict[str, str]) -> Subject:
    [(name, subject_id)] = [(k, v) for k, v in ids.items() if k in SUBJECTS]
    noun, base = SUBJECTS[name]
    reference = ""
    if name == "case_id":
        try:
            summary = await console.deps.apis.reporting.case(caller.token, subject_id)
        except ApiError:
            summary = None
        reference = str((summary or {}).get("reference", ""))
    elif name == "coc_id":
        try:
            listed = await console.deps.apis.intake.listing(caller.token, "/v1/cases-of-concern")
        except ApiError:
            listed = []
        found = next((c for c in listed if c.get("coc_id") == subject_id), {})
        reference = str(found.get("reference", ""))
    return Subject(subject_id=subject_id, noun=noun, reference=reference, back=base + subject_id)


def add(router: APIRouter, workflow: Workflow) -> None:
    """The form's GET (a blank form) and POST (check, send, confirm) at ``workflow.path``."""

    async def page(
        request: Request,
        caller: Caller,
        subject: Subject,
        sent: Sent,
        errors: forms.Errors,
        key: str,
        status: int,
    ) -> Response:
        console = _console(request)
        agencies = []
        if workflow.needs_agencies:
            found = await worklist.agencies(console.deps, caller)
            agencies = sorted(found, key=lambda a: str(a.get("name", "")))
        return console.render(
            request,
            workflow.template,
            status_code=status,
            title=errors.title(workflow.title),
            heading=workflow.title,
            subject=subject,
            form=sent.fields,
            ticked=sent.ticked,
            errors=errors,
            key=key,
            vocab=review_words,
            agencies=agencies,
            today=console.today(),
            **workflow.extra,
        )

    def refused(request: Request) -> Response:
        return _console(request).render(
            request,
            "problem.html",
            status_code=403,
            title="You cannot use this form",
            message="Your account does not allow you to record this. If you need to, ask the "
            "CSCP Business Team.",
        )

    async def show(request: Request, caller: Signed) -> Response:
        if not caller.person.has(*workflow.roles):
            return refused(request)
        ids = dict(request.path_params)
        subject = await subject_of(_console(request), caller, ids)
        return await page(request, caller, subject, Sent(), forms.Errors(), new_key(), 200)

    async def record(request: Request, caller: Signed) -> Response:
        console = _console(request)
        form = await request.form()
        console.check_csrf(request, form)
        if not caller.person.has(*workflow.roles):
            return refused(request)
        sent = Sent(
            fields={k: str(v) for k, v in form.items() if k not in workflow.ticked},
            ticked={name: [str(v) for v in form.getlist(name)] for name in workflow.ticked},
        )
        key = key_from(form)
        ids = dict(request.path_params)
        out = await workflow.handler(console.deps, caller, ids, sent, key, console.today())
        subject = await subject_of(console, caller, ids)
        if out.errors or out.answer is None:
            return await page(request, caller, subject, sent, out.errors, key, 400)
        return console.render(
            request,
            "case_work_done.html",
            title=workflow.done_title,
            heading=workflow.done_title,
            subject=subject,
            next_steps=workflow.next_steps(sent),
            answer=out.answer,
        )

    router.add_api_route(workflow.path, show, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(workflow.path, record, methods=["POST"], response_class=HTMLResponse)

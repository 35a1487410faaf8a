"""How a case-work form is served: shown with a fresh Idempotency-Key, read back, checked by
its handler, then either shown again with its errors or answered with a confirmation page
that says what happens next.

Each form is one ``Workflow`` row (its address, template, handler, who may use it, what
happens next); ``add`` gives it its GET and POST routes. The modules ``rapid_review``,
``lcspr``, ``triage`` and ``corrections`` list their rows; ``case_work`` adds them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import APIRouter

from sprg_console.adapters.apis import ApiError
from sprg_console.domain import review_words
from sprg_console.entrypoints import form_pages
from sprg_console.entrypoints.form_pages import Confirm, Context, FormPage, Posted, Result
from sprg_console.entrypoints.web import Console
from sprg_console.handlers import worklist
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Outcome, Sent
from sprg_shared.auth import Role

Handler = Callable[[Deps, Caller, dict[str, str], Sent, str, date], Awaitable[Outcome]]
NextSteps = Callable[[Sent], list[str]]


TEAM_OR_CHAIR = (Role.BUSINESS_TEAM, Role.CHAIR)
REFUSAL = (
    "You cannot use this form",
    "Your account does not allow you to record this. If you need to, ask the CSCP Business Team.",
)
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
    """The form's GET and POST at ``workflow.path``, as a ``FormPage`` about its subject."""

    async def load(console: Console, caller: Caller, ids: dict[str, str]) -> Context:
        agencies = await worklist.agencies(console.deps, caller) if workflow.needs_agencies else []
        return {
            "subject": await subject_of(console, caller, ids),
            "vocab": review_words,
            "agencies": agencies,
            "today": console.today(),
            **workflow.extra,
        }

    async def send(p: Posted) -> Outcome:
        return await workflow.handler(p.deps, p.caller, p.ids, p.sent, p.key, p.today)

    def done(p: Posted, out: Result) -> Confirm:
        return Confirm(
            "case_work_done.html",
            workflow.done_title,
            {
                "heading": workflow.done_title,
                "subject": p.shown["subject"],
                "next_steps": workflow.next_steps(p.sent),
                "answer": out.answer,
            },
        )

    form_pages.add(
        router,
        FormPage(
            path=workflow.path,
            template=workflow.template,
            title=workflow.title,
            send=send,
            done=done,
            roles=workflow.roles,
            refusal=REFUSAL,
            load=load,
            ticked=workflow.ticked,
        ),
    )

"""Rule packs' pages for their maintainers (role rules_admin)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sprg_console.domain import forms
from sprg_console.entrypoints.routing import Signed, console_of, not_found, posted, refused
from sprg_console.handlers import rule_packs
from sprg_console.handlers.context import Caller
from sprg_shared.auth import Role

router = APIRouter(include_in_schema=False)
PART = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


REFUSAL = (
    "You cannot see this page",
    "Only rules maintainers manage the rule packs. If you need to, ask the CSCP Business Team.",
)


def _refused(request: Request, caller: Caller) -> Response | None:
    return refused(request, caller, (Role.RULES_ADMIN,), REFUSAL)


@router.get("/rules", response_class=HTMLResponse)
async def packs(request: Request, caller: Signed) -> Response:
    console = console_of(request)
    if refused := _refused(request, caller):
        return refused
    errors = forms.Errors()
    form = {k: str(v) for k, v in request.query_params.items()}
    on = console.today()
    if any(form.get(f"on-{p}") for p in ("day", "month", "year")):
        on = (
            forms.a_date(form, "on", errors, what="the date", today=on, not_after_today=False) or on
        )
    view = await rule_packs.packs(console.deps, caller, on)
    return console.render(
        request,
        "rule_packs.html",
        status_code=400 if errors else 200,
        title=errors.title("Rule packs"),
        view=view,
        form=form,
        errors=errors,
    )


@router.get("/rules/candidate", response_class=HTMLResponse)
async def candidate_form(request: Request, caller: Signed) -> Response:
    if refused := _refused(request, caller):
        return refused
    return console_of(request).render(
        request,
        "rule_candidate.html",
        title="Try a candidate rule pack",
        view=rule_packs.CandidateView(text=""),
        errors=forms.Errors(),
        tried=False,
        rows=[],
    )


@router.post("/rules/candidate", response_class=HTMLResponse)
async def candidate_send(request: Request, caller: Signed) -> Response:
    console = console_of(request)
    data = await posted(request)
    if refused := _refused(request, caller):
        return refused
    if data.get("action") == "upload":
        uploaded, view = await rule_packs.upload(console.deps, caller, data)
        if uploaded is not None:
            return RedirectResponse(
                f"/rules/{uploaded['id']}/{uploaded['version']}?uploaded=1", status_code=303
            )
    else:
        view = await rule_packs.dry_run(console.deps, caller, data)
    return console.render(
        request,
        "rule_candidate.html",
        status_code=400 if view.errors else 200,
        title=("Error: " if view.errors else "") + "Try a candidate rule pack",
        view=view,
        errors=view.errors,
        tried=not view.errors,
        rows=rule_packs.change_rows(view.changes),
    )


async def _pack(
    request: Request,
    caller: Caller,
    pack_id: str,
    version: str,
    *,
    errors: forms.Errors | None = None,
    form: dict[str, str] | None = None,
    done: str = "",
) -> Response:
    console = console_of(request)
    view = await rule_packs.pack_page(console.deps, caller, pack_id, version)
    errors = errors or forms.Errors()
    return console.render(
        request,
        "rule_pack.html",
        status_code=400 if errors else 200,
        title=errors.title(f"Rule pack {pack_id} version {version}"),
        view=view,
        errors=errors,
        form=form or {},
        done=done,
    )


@router.get("/rules/{pack_id}/{version}", response_class=HTMLResponse)
async def pack_page(
    request: Request, pack_id: str, version: str, caller: Signed, uploaded: str = ""
) -> Response:
    if not PART.match(pack_id) or not PART.match(version):
        return not_found(request)
    if refused := _refused(request, caller):
        return refused
    done = "Uploaded: its golden cases pass. It is not in force until you activate it."
    return await _pack(request, caller, pack_id, version, done=done if uploaded else "")


@router.post("/rules/{pack_id}/{version}/{what}", response_class=HTMLResponse)
async def pack_change(
    request: Request, pack_id: str, version: str, what: str, caller: Signed
) -> Response:
    console = console_of(request)
    data = await posted(request)
    if what not in ("activate", "rollback") or not PART.match(pack_id) or not PART.match(version):
        return not_found(request)
    if refused := _refused(request, caller):
        return refused
    done, errors = await rule_packs.change(console.deps, caller, pack_id, version, data, what)
    if done is None:
        return await _pack(request, caller, pack_id, version, errors=errors, form=data)
    return console.render(
        request,
        "rule_changed.html",
        title="Version activated" if what == "activate" else "Version rolled back",
        what=what,
        answer=done,
        pack_id=pack_id,
        version=version,
    )

"""Plain server-rendered forms for a person at an agency: no JavaScript needed.

The forms post to intake, which checks them with the same commands and handlers as the
JSON API; a person pastes the bearer token their agency issued (``sprg tokens mint``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ValidationError

from sprg_intake.domain.commands import ReferCaseOfConcern, ReportIncident
from sprg_intake.handlers import agencies
from sprg_intake.handlers import incident as handlers
from sprg_intake.handlers import partnership as handlers_partnership
from sprg_intake.handlers.incident import IntakeDeps
from sprg_shared.access import rule
from sprg_shared.auth import InvalidToken, Principal
from sprg_shared.ids import new_id

_templates = Environment(
    loader=PackageLoader("sprg_intake.entrypoints", "templates"),
    autoescape=select_autoescape(["html"]),
)


class FormRefused(Exception):
    def __init__(self, status: int, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.status = status
        self.errors = errors


def _render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_templates.get_template(name).render(**context), status_code=status)


def _principal(request: Request, token: str, route: str) -> Principal:
    try:
        principal: Principal = request.app.state.verifier.verify(token.strip())
    except InvalidToken as exc:
        raise FormRefused(401, ["The token is not valid: ask your agency for a new one."]) from exc
    if not principal.has(*rule("intake", route).roles):
        raise FormRefused(403, ["Your token does not allow you to send this form."])
    return principal


def _errors(exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "form"
        out.append(f"{where}: {error['msg']}")
    return out


def _parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FormRefused(422, _errors(exc)) from exc


def _checked(form: dict[str, str], name: str) -> bool:
    return form.get(name) == "yes"


def _blank_none(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def _coc_command(form: dict[str, str]) -> ReferCaseOfConcern:
    agencies = [a.strip() for a in form.get("agencies_involved", "").split(",") if a.strip()]
    return _parse(  # type: ignore[no-any-return]
        ReferCaseOfConcern,
        {
            "referred_date": form.get("referred_date"),
            "referrer_name": form.get("referrer_name"),
            "referrer_role": form.get("referrer_role"),
            "children": [
                {
                    "name": form.get("child_name"),
                    "date_of_birth": _blank_none(form, "child_date_of_birth"),
                }
            ],
            "meets_sin_criteria": _checked(form, "meets_sin_criteria"),
            "meets_spr_criteria": _checked(form, "meets_spr_criteria"),
            "agencies_involved": agencies,
            "concern": form.get("concern"),
            "learning_sought": _blank_none(form, "learning_sought"),
        },
    )


def _incident_command(form: dict[str, str]) -> ReportIncident:
    return _parse(  # type: ignore[no-any-return]
        ReportIncident,
        {
            "aware_date": form.get("aware_date"),
            "event": {
                "kind": form.get("kind"),
                "date": form.get("event_date"),
                "location": form.get("location"),
                "abuse_or_neglect": form.get("abuse_or_neglect"),
            },
            "children": [
                {
                    "name": form.get("child_name"),
                    "date_of_birth": form.get("child_date_of_birth"),
                    "address": _blank_none(form, "child_address"),
                    "looked_after": _checked(form, "looked_after"),
                    "care_leaver": _checked(form, "care_leaver"),
                    "normally_resident_in_area": _checked(form, "normally_resident_in_area"),
                }
            ],
            "summary": _blank_none(form, "summary"),
        },
    )


def add_forms(app: FastAPI) -> None:
    def deps(request: Request) -> IntakeDeps:
        found: IntakeDeps = request.app.state.deps
        return found

    async def submitted(request: Request) -> dict[str, str]:
        raw = await request.form()
        return {k: v for k, v in raw.items() if isinstance(v, str)}

    @app.get("/forms/case-of-concern", response_class=HTMLResponse, include_in_schema=False)
    async def coc_form() -> HTMLResponse:
        return _render("case_of_concern.html", form={}, errors=[], key=new_id())

    @app.post("/forms/case-of-concern", response_class=HTMLResponse, include_in_schema=False)
    async def coc_submit(request: Request) -> HTMLResponse:
        form = await submitted(request)
        try:
            principal = _principal(request, form.get("token", ""), "refer_case_of_concern")
            command = _coc_command(form)
            try:
                agencies.refuse_unknown(command, request.app.state.known_agencies)
            except handlers.InvalidFact as unknown:
                raise FormRefused(422, [str(unknown)]) from unknown
        except FormRefused as exc:
            return _render(
                "case_of_concern.html",
                exc.status,
                form=form,
                errors=exc.errors,
                key=form.get("idempotency_key") or new_id(),
            )
        recorded = await handlers_partnership.refer_case_of_concern(
            command,
            principal,
            deps(request),
            idempotency_key=form.get("idempotency_key") or None,
            traceparent=None,
        )
        return _render(
            "received.html",
            201,
            what="Case of Concern",
            reference=recorded.result["reference"],
            coc_id=recorded.result["coc_id"],
        )

    @app.get("/forms/incident", response_class=HTMLResponse, include_in_schema=False)
    async def incident_form() -> HTMLResponse:
        return _render("incident.html", form={}, errors=[], key=new_id())

    @app.post("/forms/incident", response_class=HTMLResponse, include_in_schema=False)
    async def incident_submit(request: Request) -> HTMLResponse:
        form = await submitted(request)
        try:
            principal = _principal(request, form.get("token", ""), "report_incident")
            command = _incident_command(form)
        except FormRefused as exc:
            return _render(
                "incident.html",
                exc.status,
                form=form,
                errors=exc.errors,
                key=form.get("idempotency_key") or new_id(),
            )
        receipt = await handlers.report_incident(
            command,
            principal,
            deps(request),
            idempotency_key=form.get("idempotency_key") or None,
            traceparent=None,
        )
        return _render(
            "received.html",
            201,
            what="Serious incident report",
            reference=receipt.reference,
            case_id=receipt.case_id,
        )

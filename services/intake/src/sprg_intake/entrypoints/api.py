"""Intake's HTTP doors, declared once: ``ROUTES``, one ``routes.Route`` row each.

Payload -> command -> handler -> response; no decision is taken here.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any

from fastapi import Body, FastAPI, File, Form, Header, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sprg_intake.domain.commands import EXAMPLE_REPORT, RecordSinSubmission, ReportIncident
from sprg_intake.domain.documents import UnsupportedDocument
from sprg_intake.entrypoints import forms
from sprg_intake.entrypoints.api_inputs import INPUTS
from sprg_intake.entrypoints.lists import ROUTES as LIST_ROUTES
from sprg_intake.entrypoints.routes import (
    Read,
    Reason,
    Route,
    add_routes,
    deps_of,
    reading,
    recording,
)
from sprg_intake.entrypoints.web_common import IdempotencyKey, Traceparent
from sprg_intake.handlers import agenda, subjects
from sprg_intake.handlers import case as handlers_case
from sprg_intake.handlers import incident as handlers
from sprg_intake.handlers import rapid_review as handlers_rapid_review
from sprg_intake.handlers import sprg as handlers_sprg
from sprg_intake.handlers.incident import IntakeDeps
from sprg_shared.access import Caller
from sprg_shared.auth import Principal

log = logging.getLogger(__name__)


class CaseReceipt(BaseModel):
    case_id: str
    reference: str
    status: str
    links: dict[str, str]


class PayloadTooLarge(Exception):
    """The upload is over the configured size limit."""


def _text(part: object) -> object:
    """A location part or message as JSON can carry it (a lone surrogate escaped)."""
    if isinstance(part, int):
        return part
    return str(part).encode("utf-8", "backslashreplace").decode("utf-8")


def add_http(app: FastAPI) -> None:
    """Every HTTP door of intake (``ROUTES``, then the web forms), and how errors answer."""
    _errors(app)
    add_routes(app, ROUTES)
    forms.add_forms(app)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The field, the problem and its kind; never the input echoed back, which may be
        # personal data, NaN or text that cannot be encoded (each once gave a 500 here).
        detail = [
            {"loc": [_text(p) for p in e.get("loc", ())], "msg": _text(e.get("msg", ""))}
            | {"type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(handlers.IdempotencyConflict)
    async def _conflict(_: Request, exc: handlers.IdempotencyConflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(handlers.FactConflict)
    async def _fact_conflict(_: Request, exc: handlers.FactConflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(handlers.InvalidFact)
    async def _invalid_fact(_: Request, exc: handlers.InvalidFact) -> JSONResponse:
        if exc.field is None:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        loc = ["body", *(int(p) if p.isdigit() else p for p in exc.field.split("."))]
        detail = [{"loc": loc, "msg": str(exc), "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(UnsupportedDocument)
    async def _unsupported(_: Request, exc: UnsupportedDocument) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=415)

    @app.exception_handler(PayloadTooLarge)
    async def _too_large(_: Request, exc: PayloadTooLarge) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=413)

    @app.exception_handler(handlers.CaseNotFound)
    async def _not_found(_: Request, exc: handlers.CaseNotFound) -> JSONResponse:
        return JSONResponse({"detail": f"no case {exc} that you may read"}, status_code=404)


async def report_incident(
    request: Request,
    response: Response,
    command: Annotated[ReportIncident, Body(openapi_examples={"death": {"value": EXAMPLE_REPORT}})],
    principal: Caller,
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> CaseReceipt:
    receipt = await handlers.report_incident(
        command,
        principal,
        deps_of(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    if receipt.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return CaseReceipt(
        case_id=receipt.case_id,
        reference=receipt.reference,
        status="received",
        links={"self": f"/v1/cases/{receipt.case_id}"},
    )


async def record_sin_submission(
    request: Request,
    case_id: str,
    command: Annotated[
        RecordSinSubmission,
        Body(openapi_examples={"submitted": {"value": {"submitted_date": "2026-04-07"}}}),
    ],
    response: Response,
    principal: Caller,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="accepted like on every POST; the submission is a once-only fact, "
            "so any retry of the same value returns the first result",
        ),
    ] = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    result = await handlers.record_sin_submission(
        case_id,
        command,
        principal,
        deps_of(request),
        traceparent=traceparent,
    )
    if result["replayed"]:
        response.headers["Idempotent-Replayed"] = "true"
    return result


async def read_membership(request: Request, principal: Caller) -> list[dict[str, Any]]:
    return await handlers_sprg.membership(principal, deps_of(request))


async def read_document(
    request: Request,
    return_id: str,
    n: int,
    principal: Caller,
    reason: Reason,
) -> Response:
    _filename, kind, content = await handlers_rapid_review.read_document(
        return_id, n, principal, deps_of(request), reason=reason
    )
    return Response(
        content,
        media_type=kind,
        headers={"Content-Disposition": f"attachment; filename=document-{n}"},
    )


async def receive_return(
    request: Request,
    response: Response,
    case_id: str,
    request_id: str,
    principal: Caller,
    received_date: Annotated[date, Form(examples=["2026-04-15"])],
    notes: Annotated[str | None, Form(max_length=20_000, examples=["IMR attached."])] = None,
    documents: Annotated[list[UploadFile] | None, File()] = None,
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    limit: int = request.app.state.max_upload_bytes
    uploads, total = [], 0
    for document in documents or []:
        content = await document.read(limit + 1 - total)
        total += len(content)
        if total > limit:
            raise PayloadTooLarge(f"documents over the {limit}-byte limit; nothing was saved")
        uploads.append(
            handlers_case.Upload(
                filename=document.filename or "document",
                declared_type=document.content_type,
                content=content,
            )
        )
    recorded = await handlers_rapid_review.receive_return(
        case_id,
        request_id,
        received_date,
        notes,
        uploads,
        principal,
        deps_of(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    if recorded.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return recorded.result


def _subject(kind: str) -> Read:
    async def read(
        subject_id: str, principal: Principal, deps: IntakeDeps, reason: str
    ) -> dict[str, Any]:
        return await subjects.read_subject(subject_id, kind, principal, deps, reason=reason)

    return read


async def _case(
    case_id: str, principal: Principal, deps: IntakeDeps, reason: str
) -> dict[str, Any]:
    return await handlers_case.read_case(case_id, principal, deps, reason=reason)


async def _agenda(
    meeting_id: str, principal: Principal, deps: IntakeDeps, reason: str
) -> dict[str, Any]:
    return await agenda.agenda(meeting_id, principal, deps, reason=reason)


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/v1/incidents",
        "report_incident",
        "incidents",
        "Report a serious incident (death or serious harm of a child)",
        report_incident,
        {"status_code": 201, "response_model": CaseReceipt},
    ),
    reading(
        "/v1/cases/{case_id}",
        "read_case",
        "cases",
        "Read a case with its personal details (audited)",
        _case,
    ),
    Route(
        "POST",
        "/v1/cases/{case_id}/sin-submission",
        "record_sin_submission",
        "incidents",
        "Record that the Serious Incident Notification was submitted to the Panel",
        record_sin_submission,
    ),
    *(recording(row) for row in INPUTS),
    reading(
        "/v1/cases-of-concern/{coc_id}",
        "read_case_of_concern",
        "cases of concern",
        "Read a Case of Concern with its form and triage history (audited)",
        _subject("case_of_concern"),
    ),
    *LIST_ROUTES,
    reading(
        "/v1/escalations/{escalation_id}",
        "read_escalation",
        "escalations",
        "Read an escalation with its stage history (audited)",
        _subject("escalation"),
    ),
    reading(
        "/v1/meetings/{meeting_id}",
        "read_meeting",
        "sprg",
        "Read a meeting: attendance, minutes (audited)",
        _subject("meeting"),
    ),
    reading(
        "/v1/meetings/{meeting_id}/agenda",
        "read_meeting_agenda",
        "sprg",
        "A meeting's agenda, built for it (standing items, CoCs listed, reviews in"
        " progress, Stage 3+ escalations, actions due, the previous minutes; audited)",
        _agenda,
    ),
    Route(
        "GET",
        "/v1/membership",
        "read_membership",
        "sprg",
        "The SPRG's seats (the seed's table) and who holds them",
        read_membership,
    ),
    Route(
        "GET",
        "/v1/returns/{return_id}/documents/{n}",
        "read_document",
        "rapid review",
        "Download a returned document (audited)",
        read_document,
        {
            "response_class": Response,
            "responses": {200: {"content": {"application/pdf": {}, "text/plain": {}}}},
        },
    ),
    Route(
        "POST",
        "/v1/cases/{case_id}/information-requests/{request_id}/returns",
        "receive_return",
        "rapid review",
        "An agency's return (IMR, chronology...) with its documents",
        receive_return,
        {
            "status_code": 201,
            "description": "multipart/form-data: `received_date`, optional `notes`, and any "
            "number of `documents` (PDF, DOCX, ODT or plain text, checked by content; 415 "
            "otherwise), together under the size limit (413 otherwise).",
        },
    ),
)

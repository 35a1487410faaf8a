"""Intake's HTTP entry point: payload -> command -> handler -> response."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Annotated, Any

from fastapi import Body, FastAPI, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pymongo.errors import PyMongoError

from sprg_intake import (
    agencies,
    agenda,
    forms,
    handlers,
    handlers_case,
    handlers_rapid_review,
    handlers_sprg,
    not_processed,
    subjects,
)
from sprg_intake.api_inputs import router as inputs_router
from sprg_intake.bootstrap import SERVICE, build_deps
from sprg_intake.domain.documents import UnsupportedDocument
from sprg_intake.messages import EXAMPLE_REPORT, RecordSinSubmission, ReportIncident
from sprg_intake.settings import IntakeSettings
from sprg_intake.web_common import IdempotencyKey, Traceparent
from sprg_shared import topics
from sprg_shared.access import Caller
from sprg_shared.bus import Router
from sprg_shared.events import MessageDeadLettered, MessageReprocessed
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service

log = logging.getLogger(__name__)


class CaseReceipt(BaseModel):
    case_id: str
    reference: str
    status: str
    links: dict[str, str]


Reason = Annotated[
    str, Query(min_length=3, max_length=500, description="why you are reading it (audited)")
]


class PayloadTooLarge(Exception):
    """The upload is over the configured size limit."""


def _text(part: object) -> object:
    """A location part or message as JSON can carry it (a lone surrogate escaped)."""
    if isinstance(part, int):
        return part
    return str(part).encode("utf-8", "backslashreplace").decode("utf-8")


def _deps(request: Request) -> handlers.IntakeDeps:
    deps: handlers.IntakeDeps = request.app.state.deps
    return deps


async def _setup(
    app: FastAPI, runtime: Runtime, settings: IntakeSettings, background: Background
) -> None:
    deps = build_deps(runtime, settings)
    app.state.deps = deps
    app.state.known_agencies = agencies.load(settings.auth_agencies_file)
    app.state.max_upload_bytes = settings.max_upload_bytes
    # The shared body guard stops reading at this (chunked or not); the route checks the
    # documents themselves against the upload limit.
    app.state.max_body_bytes = settings.max_upload_bytes + _FORM_OVERHEAD
    try:
        await deps.repo.ensure_indexes()
    except PyMongoError as exc:
        # Start anyway: /readyz says the store is down and requests get 503 until it is back.
        log.warning("store unavailable at start; indexes later", extra={"error": repr(exc)})
        background.run(_indexes_when_back(deps), "indexes")
    background.run(deps.relay.run(), "outbox-relay")
    router = Router()
    router.on(
        MessageDeadLettered,
        lambda event, envelope: not_processed.on_dead_letter(
            event, envelope, deps.repo.db, deps.now()
        ),
    )
    router.on(
        MessageReprocessed,
        lambda event, _: not_processed.on_reprocessed(event, deps.repo.db, deps.now()),
    )
    runtime.consume(settings.consumer_group, [topics.DLQ], router)


async def _indexes_when_back(deps: handlers.IntakeDeps) -> None:
    while True:
        await asyncio.sleep(5)
        try:
            await deps.repo.ensure_indexes()
        except PyMongoError:
            continue
        return


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    app = build_service(
        service=SERVICE,
        title="SPRG intake",
        description="The only door for input from agencies and people.",
        load_settings=lambda: settings or IntakeSettings(),
        setup=_setup,
    )

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

    @app.post(
        "/v1/incidents",
        status_code=201,
        response_model=CaseReceipt,
        tags=["incidents"],
        summary="Report a serious incident (death or serious harm of a child)",
    )
    async def report_incident(
        request: Request,
        response: Response,
        command: Annotated[
            ReportIncident, Body(openapi_examples={"death": {"value": EXAMPLE_REPORT}})
        ],
        principal: Caller,
        idempotency_key: IdempotencyKey = None,
        traceparent: Traceparent = None,
    ) -> CaseReceipt:
        receipt = await handlers.report_incident(
            command,
            principal,
            _deps(request),
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

    @app.get(
        "/v1/cases/{case_id}",
        tags=["cases"],
        summary="Read a case with its personal details (audited)",
    )
    async def read_case(
        request: Request,
        case_id: str,
        principal: Caller,
        reason: Reason,
    ) -> dict[str, Any]:
        return await handlers_case.read_case(case_id, principal, _deps(request), reason=reason)

    @app.post(
        "/v1/cases/{case_id}/sin-submission",
        tags=["incidents"],
        summary="Record that the Serious Incident Notification was submitted to the Panel",
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
            _deps(request),
            traceparent=traceparent,
        )
        if result["replayed"]:
            response.headers["Idempotent-Replayed"] = "true"
        return result

    app.include_router(inputs_router)
    _add_reads(app)
    _add_returns(app)
    forms.add_forms(app)
    return app


_FORM_OVERHEAD = 64 * 1024


def _add_reads(app: FastAPI) -> None:
    @app.get(
        "/v1/cases-of-concern/{coc_id}",
        name="read_case_of_concern",
        tags=["cases of concern"],
        summary="Read a Case of Concern with its form and triage history (audited)",
    )
    async def read_case_of_concern(
        request: Request,
        coc_id: str,
        principal: Caller,
        reason: Reason,
    ) -> dict[str, Any]:
        return await subjects.read_subject(
            coc_id, "case_of_concern", principal, _deps(request), reason=reason
        )

    @app.get(
        "/v1/escalations/{escalation_id}",
        name="read_escalation",
        tags=["escalations"],
        summary="Read an escalation with its stage history (audited)",
    )
    async def read_escalation(
        request: Request,
        escalation_id: str,
        principal: Caller,
        reason: Reason,
    ) -> dict[str, Any]:
        return await subjects.read_subject(
            escalation_id, "escalation", principal, _deps(request), reason=reason
        )

    @app.get(
        "/v1/meetings/{meeting_id}",
        name="read_meeting",
        tags=["sprg"],
        summary="Read a meeting: attendance, minutes (audited)",
    )
    async def read_meeting(
        request: Request,
        meeting_id: str,
        principal: Caller,
        reason: Reason,
    ) -> dict[str, Any]:
        return await subjects.read_subject(
            meeting_id, "meeting", principal, _deps(request), reason=reason
        )

    @app.get(
        "/v1/meetings/{meeting_id}/agenda",
        name="read_meeting_agenda",
        tags=["sprg"],
        summary="A meeting's agenda, built for it (standing items, CoCs listed, reviews in"
        " progress, Stage 3+ escalations, actions due, the previous minutes; audited)",
    )
    async def read_meeting_agenda(
        request: Request,
        meeting_id: str,
        principal: Caller,
        reason: Reason,
    ) -> dict[str, Any]:
        return await agenda.agenda(meeting_id, principal, _deps(request), reason=reason)

    @app.get(
        "/v1/membership",
        name="read_membership",
        tags=["sprg"],
        summary="The SPRG's seats (the seed's table) and who holds them",
    )
    async def read_membership(request: Request, principal: Caller) -> list[dict[str, Any]]:
        return await handlers_sprg.membership(principal, _deps(request))

    @app.get(
        "/v1/returns/{return_id}/documents/{n}",
        name="read_document",
        tags=["rapid review"],
        summary="Download a returned document (audited)",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}, "text/plain": {}}}},
    )
    async def read_document(
        request: Request,
        return_id: str,
        n: int,
        principal: Caller,
        reason: Reason,
    ) -> Response:
        _filename, kind, content = await handlers_rapid_review.read_document(
            return_id, n, principal, _deps(request), reason=reason
        )
        return Response(
            content,
            media_type=kind,
            headers={"Content-Disposition": f"attachment; filename=document-{n}"},
        )


def _add_returns(app: FastAPI) -> None:
    @app.post(
        "/v1/cases/{case_id}/information-requests/{request_id}/returns",
        status_code=201,
        name="receive_return",
        tags=["rapid review"],
        summary="An agency's return (IMR, chronology...) with its documents",
        description="multipart/form-data: `received_date`, optional `notes`, and any number of "
        "`documents` (PDF, DOCX, ODT or plain text, checked by content; 415 otherwise), "
        "together under the size limit (413 otherwise).",
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
            _deps(request),
            idempotency_key=idempotency_key,
            traceparent=traceparent,
        )
        if recorded.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return recorded.result

"""Intake's HTTP entry point: payload -> command -> handler -> response."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sprg_intake import handlers
from sprg_intake.bootstrap import SERVICE, build_deps
from sprg_intake.messages import EXAMPLE_REPORT, RecordSinSubmission, ReportIncident
from sprg_intake.settings import IntakeSettings
from sprg_shared import tracing
from sprg_shared.auth import Principal, Role
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service
from sprg_shared.web import require

log = logging.getLogger(__name__)


class CaseReceipt(BaseModel):
    case_id: str
    reference: str
    status: str
    links: dict[str, str]


Submitter = Annotated[Principal, Depends(require(Role.AGENCY_SUBMITTER, Role.BUSINESS_TEAM))]
Reader = Annotated[Principal, Depends(require(Role.AGENCY_SUBMITTER, Role.BUSINESS_TEAM))]


def _deps(request: Request) -> handlers.IntakeDeps:
    deps: handlers.IntakeDeps = request.app.state.deps
    return deps


async def _setup(
    app: FastAPI, runtime: Runtime, settings: IntakeSettings, background: Background
) -> None:
    deps = build_deps(runtime, settings)
    app.state.deps = deps
    await deps.repo.ensure_indexes()
    background.run(deps.relay.run(), "outbox-relay")


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    app = build_service(
        service=SERVICE,
        title="SPRG intake",
        description="The only door for input from agencies and people.",
        load_settings=lambda: settings or IntakeSettings(),
        setup=_setup,
    )

    @app.exception_handler(handlers.IdempotencyConflict)
    async def _conflict(_: Request, exc: handlers.IdempotencyConflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(handlers.FactConflict)
    async def _fact_conflict(_: Request, exc: handlers.FactConflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(handlers.InvalidFact)
    async def _invalid_fact(_: Request, exc: handlers.InvalidFact) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

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
        principal: Submitter,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
        traceparent: Annotated[str | None, Header()] = None,
    ) -> CaseReceipt:
        receipt = await handlers.report_incident(
            command,
            principal,
            _deps(request),
            idempotency_key=idempotency_key,
            traceparent=tracing.current() or traceparent,
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
        principal: Reader,
        reason: Annotated[
            str, Query(min_length=3, max_length=500, description="why you are reading it (audited)")
        ],
    ) -> dict[str, Any]:
        return await handlers.read_case(case_id, principal, _deps(request), reason=reason)

    @app.post(
        "/v1/cases/{case_id}/sin-submission",
        tags=["incidents"],
        summary="Record that the Serious Incident Notification was submitted to the Panel",
    )
    async def record_sin_submission(
        request: Request,
        case_id: str,
        command: RecordSinSubmission,
        principal: Annotated[Principal, Depends(require(Role.BUSINESS_TEAM))],
        traceparent: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        return await handlers.record_sin_submission(
            case_id,
            command,
            principal,
            _deps(request),
            traceparent=tracing.current() or traceparent,
        )

    return app

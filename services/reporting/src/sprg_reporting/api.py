"""Reporting's HTTP entry point and consumer wiring."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException

from sprg_reporting import handlers
from sprg_reporting.adapters.metrics import ClockOutcomes
from sprg_reporting.adapters.repository import ReadModels
from sprg_reporting.settings import ReportingSettings
from sprg_shared import topics
from sprg_shared.auth import Principal, Role
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service, state
from sprg_shared.web import require

SERVICE = "reporting"


Reader = Annotated[
    Principal,
    Depends(require(Role.BUSINESS_TEAM, Role.SPRG_MEMBER, Role.CHAIR, Role.EXECUTIVE_READER)),
]
Models = Annotated[ReadModels, Depends(partial(state, name="models"))]


async def _setup(
    app: FastAPI, runtime: Runtime, settings: ReportingSettings, background: Background
) -> None:
    models = ReadModels(runtime.db)
    app.state.models = models
    await models.ensure_indexes()
    runtime.consume(
        settings.consumer_group,
        [topics.INTAKE, topics.DECISIONS, topics.CLOCKS, topics.NOTIFICATIONS],
        handlers.router(models, ClockOutcomes(runtime.registry).count),
    )


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    app = build_service(
        service=SERVICE,
        title="SPRG reporting",
        description="Read models and reports, from the event log.",
        load_settings=lambda: settings or ReportingSettings(),
        setup=_setup,
    )

    @app.get("/v1/summary", tags=["reports"], summary="Counts across every case")
    async def summary(models: Models, _: Reader) -> dict[str, int]:
        return await models.summary()

    @app.get(
        "/v1/cases/{case_id}", tags=["reports"], summary="One case's read model (no personal data)"
    )
    async def case(case_id: str, models: Models, _: Reader) -> dict[str, Any]:
        found = await models.case(case_id)
        if found is None:
            raise HTTPException(404, detail=f"no case {case_id} in the read model yet")
        return found

    return app

"""The scheduler's HTTP entry point and consumer wiring."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Query, Request

from sprg_scheduler import handlers
from sprg_scheduler.bootstrap import SERVICE, build_deps
from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared import topics
from sprg_shared.auth import Principal, Role
from sprg_shared.bus import Router
from sprg_shared.events import CaseAssessed
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service
from sprg_shared.web import require

AnyRole = Annotated[Principal, Depends(require(*Role))]


async def _setup(
    app: FastAPI, runtime: Runtime, settings: SchedulerSettings, background: Background
) -> None:
    deps = build_deps(runtime, settings)
    app.state.deps = deps
    await deps.repo.ensure_indexes()
    router = Router()
    router.on(CaseAssessed, partial(handlers.on_case_assessed, deps=deps))
    runtime.consume(settings.consumer_group, [topics.DECISIONS], router)


def create_app(settings: SchedulerSettings | None = None) -> FastAPI:
    app = build_service(
        service=SERVICE,
        title="SPRG scheduler",
        description="Every statutory clock, counted in working days.",
        load_settings=lambda: settings or SchedulerSettings(),
        setup=_setup,
    )

    @app.get("/v1/clocks", tags=["clocks"], summary="Clocks, by case and state")
    async def list_clocks(
        request: Request,
        _: AnyRole,
        case_id: str | None = None,
        state: Literal["open", "met", "stopped"] | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[Clock]:
        deps: handlers.SchedulerDeps = request.app.state.deps
        return await deps.repo.find(case_id=case_id, state=state, limit=limit)

    return app

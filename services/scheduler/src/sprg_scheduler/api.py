"""The scheduler's HTTP entry point, consumer and firing-loop wiring."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from functools import partial
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, Field

from sprg_scheduler import (
    calendar_admin,
    calendar_api,
    duty_api,
    duty_handlers,
    handlers,
    meetings,
    targets,
    targets_api,
)
from sprg_scheduler.adapters.metrics import ClockGauges
from sprg_scheduler.adapters.repository import ClockQuery
from sprg_scheduler.bootstrap import (
    SERVICE,
    build_calendar,
    build_deps,
    build_duties,
    build_firing,
)
from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.domain.lifecycle import NotPausable
from sprg_scheduler.domain.views import ClockView, view_of
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared import concerns, topics
from sprg_shared.access import Caller, audit_read, reachable
from sprg_shared.bus import Router
from sprg_shared.events import (
    ActionRecorded,
    CaseAssessed,
    CaseNoticeRecorded,
    InformationRequested,
    MeetingScheduled,
    RapidReviewClosed,
    RapidReviewHeld,
    RapidReviewSentToPanel,
    ReturnReceived,
    SubjectDecided,
)
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service

log = logging.getLogger(__name__)
BusinessTeam = Caller
StateFilter = Literal[
    "open", "at_risk", "overdue", "reminded", "paused", "breached", "met", "stopped", "closed"
]


class MetBody(BaseModel):
    met_on: date = Field(description="the day the duty was done")


class PauseBody(BaseModel):
    reason: str = Field(min_length=3, max_length=500)
    on: date | None = Field(default=None, description="the first day not counted; default today")


class ResumeBody(BaseModel):
    on: date | None = Field(default=None, description="counting resumes after it; default today")


class StopBody(BaseModel):
    reason: str = Field(min_length=3, max_length=500)
    outcome: Literal["stopped", "closed"] = "stopped"


async def _setup(
    app: FastAPI, runtime: Runtime, settings: SchedulerSettings, background: Background
) -> None:
    deps = build_deps(runtime, settings)
    app.state.deps = deps
    app.state.calendar = build_calendar(runtime, deps)
    await deps.repo.ensure_indexes()
    await calendar_admin.refresh(app.state.calendar)
    background.run(_follow_calendar(app.state.calendar, settings.tick_seconds), "calendar")
    app.state.duties = build_duties(runtime, deps)
    background.run(_keep_duties(app.state.duties, settings.duty_sync_seconds), "duties")
    app.state.concerns = concerns.Concerns(runtime.db)
    await app.state.concerns.ensure_indexes()
    router = Router()
    # Who each case, request and action concerns, for an agency's reads.
    router.observe(concerns.EVENTS, app.state.concerns.note)
    router.on(CaseAssessed, partial(handlers.on_case_assessed, deps=deps))
    router.on(SubjectDecided, partial(handlers.on_subject_decided, deps=deps))
    router.on(InformationRequested, partial(handlers.on_information_requested, deps=deps))
    router.on(ReturnReceived, partial(handlers.on_return_received, deps=deps))
    router.on(ActionRecorded, partial(handlers.on_action_recorded, deps=deps))
    router.on(RapidReviewHeld, partial(handlers.on_rapid_review_held, deps=deps))
    router.on(RapidReviewSentToPanel, partial(handlers.on_sent_to_panel, deps=deps))
    router.on(RapidReviewClosed, partial(handlers.on_rapid_review_closed, deps=deps))
    router.on(CaseNoticeRecorded, partial(handlers.on_notice_recorded, deps=deps))
    router.on(MeetingScheduled, partial(meetings.on_meeting_scheduled, deps=app.state.duties))
    firing = build_firing(deps, settings, ClockGauges(runtime.registry))
    app.state.targets = targets.TargetDeps(
        runtime.db, deps, deps.kinds, deps.policy, on_policy=firing.use_policy
    )
    await targets.refresh(app.state.targets)  # before a clock starts on the shipped ones
    background.run(_follow_targets(app.state.targets, settings.tick_seconds), "targets")
    runtime.consume(settings.consumer_group, [topics.DECISIONS, topics.INTAKE], router)
    await firing.ensure_indexes()
    background.run(firing.run(settings.tick_seconds), "clock-firing")


async def _follow_calendar(deps: calendar_admin.CalendarDeps, interval: float) -> None:
    """Every replica picks up a version another replica confirmed within a tick."""
    while True:
        try:
            await calendar_admin.refresh(deps)
        except Exception:
            log.exception("reading the calendar version failed; retrying")
        await asyncio.sleep(interval)


async def _follow_targets(deps: targets.TargetDeps, interval: float) -> None:
    """Every replica puts the local targets another replica activated in force within a tick."""
    while True:
        await asyncio.sleep(interval)
        try:
            await targets.refresh(deps)
        except Exception:
            log.exception("reading the local targets failed; retrying")


async def _keep_duties(deps: duty_handlers.DutyDeps, interval: float) -> None:
    """Duty clocks for the schedule's horizon, which moves on day by day."""
    while True:
        try:
            await duty_handlers.sync(deps)
        except Exception:
            log.exception("syncing the duty clocks failed; retrying")
        await asyncio.sleep(interval)


def _deps(request: Request) -> handlers.SchedulerDeps:
    deps: handlers.SchedulerDeps = request.app.state.deps
    return deps


def _view(deps: handlers.SchedulerDeps, clock: Clock) -> ClockView:
    return view_of(clock, deps.policy.today(deps.now()), deps.calendar)


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
        who: Caller,
        case_id: Annotated[str | None, Query(max_length=200)] = None,
        state: StateFilter | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[ClockView]:
        """An agency sees the clocks of what concerns it (its cases, the requests made to
        it, the actions it owns); a case of another's is 404. Every read is audited."""
        deps = _deps(request)
        within = await reachable(request, who)
        if case_id is not None and within is not None and case_id not in within:
            await audit_read(request, who, case_id, granted=False)
            raise HTTPException(status_code=404, detail=f"no clocks of {case_id} you may read")
        await audit_read(request, who, case_id, granted=True)
        query = ClockQuery(
            case_id=case_id,
            state=state,
            today=deps.policy.today(deps.now()),
            within=None if within is None else frozenset(within),
        )
        return [_view(deps, c) for c in await deps.repo.find(query, limit=limit)]

    @app.post("/v1/clocks/{clock_id}/met", tags=["clocks"], summary="Record the duty as done")
    async def clock_met(
        request: Request, clock_id: str, body: MetBody, who: BusinessTeam
    ) -> ClockView:
        deps = _deps(request)
        try:
            clock = await handlers.mark_met(clock_id, body.met_on, f"user:{who.subject}", deps)
        except handlers.ClockNotFound as exc:
            raise HTTPException(status_code=404, detail="no such clock") from exc
        return _view(deps, clock)

    @app.post("/v1/clocks/{clock_id}/stop", tags=["clocks"], summary="Stop or close a clock")
    async def clock_stop(
        request: Request, clock_id: str, body: StopBody, who: BusinessTeam
    ) -> ClockView:
        deps = _deps(request)
        by = f"user:{who.subject}"
        try:
            clock = await handlers.mark_stopped(clock_id, body.outcome, body.reason, by, deps)
        except handlers.ClockNotFound as exc:
            raise HTTPException(status_code=404, detail="no such clock") from exc
        return _view(deps, clock)

    @app.post("/v1/clocks/{clock_id}/pause", tags=["clocks"], summary="Pause a clock")
    async def clock_pause(
        request: Request, clock_id: str, body: PauseBody, who: BusinessTeam
    ) -> ClockView:
        deps = _deps(request)
        on = body.on or deps.policy.today(deps.now())
        try:
            clock = await handlers.pause_clock(
                clock_id, on, body.reason, f"user:{who.subject}", deps
            )
        except handlers.ClockNotFound as exc:
            raise HTTPException(status_code=404, detail="no such clock") from exc
        except NotPausable as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from exc
        return _view(deps, clock)

    @app.post("/v1/clocks/{clock_id}/resume", tags=["clocks"], summary="Resume a paused clock")
    async def clock_resume(
        request: Request, clock_id: str, body: ResumeBody, who: BusinessTeam
    ) -> ClockView:
        deps = _deps(request)
        on = body.on or deps.policy.today(deps.now())
        try:
            clock = await handlers.resume_clock(clock_id, on, f"user:{who.subject}", deps)
        except handlers.ClockNotFound as exc:
            raise HTTPException(status_code=404, detail="no such clock") from exc
        except NotPausable as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from exc
        return _view(deps, clock)

    app.include_router(calendar_api.router)
    app.include_router(duty_api.router)
    app.include_router(targets_api.router)
    return app

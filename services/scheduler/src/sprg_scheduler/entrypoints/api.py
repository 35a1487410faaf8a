"""The scheduler's HTTP routes (the service is composed in ``bootstrap``)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, Field

from sprg_scheduler.adapters.repository import ClockQuery
from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.domain.lifecycle import NotPausable
from sprg_scheduler.domain.views import ClockView, view_of
from sprg_scheduler.entrypoints import calendar_api, duty_api, targets_api
from sprg_scheduler.handlers import clocks as handlers
from sprg_shared import concerns
from sprg_shared.access import Caller, audit_read, reachable
from sprg_shared.auth import Principal

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


def _deps(request: Request) -> handlers.SchedulerDeps:
    deps: handlers.SchedulerDeps = request.app.state.deps
    return deps


def _view(deps: handlers.SchedulerDeps, clock: Clock) -> ClockView:
    return view_of(clock, deps.policy.today(deps.now()), deps.calendar)


async def _clock_scope(
    request: Request, who: Principal, case_id: str | None, agency: str | None
) -> set[str] | None:
    """The subjects whose clocks the caller lists (None: all), or the refusal (audited)."""
    within = await reachable(request, who)
    if within is not None:
        refusal = _agency_scope_refusal(who.agency, case_id, agency)
        if refusal:
            await audit_read(request, who, case_id, granted=False, reason=refusal)
            raise HTTPException(status_code=403, detail=refusal)
        if case_id is not None and case_id not in within:
            await audit_read(request, who, case_id, granted=False)
            raise HTTPException(status_code=404, detail=f"no clocks of {case_id} you may read")
    elif agency is not None:
        kept: concerns.Concerns = request.app.state.concerns
        within = set(await kept.subjects_of(agency))
    return within


def _agency_scope_refusal(own: str, case_id: str | None, agency: str | None) -> str:
    """Why an agency caller's list of clocks is refused (empty: it is not)."""
    if agency is not None and agency != own:
        return f"you may list only the clocks of your own agency: give agency={own}"
    if case_id is None and agency is None:
        return (
            "an agency lists the clocks of one case it is involved in (give case_id=...) "
            f"or of everything that concerns it (give agency={own})"
        )
    return ""


def add_routes(app: FastAPI) -> None:
    """The routes; ``app.state`` holds ``deps``, ``calendar``, ``duties`` (bootstrap)."""

    @app.get("/v1/clocks", tags=["clocks"], summary="Clocks, by case, agency and state")
    async def list_clocks(
        request: Request,
        who: Caller,
        case_id: Annotated[str | None, Query(max_length=200)] = None,
        agency: Annotated[
            str | None,
            Query(
                max_length=100,
                description="only the clocks of what concerns this agency (its cases, the "
                "requests made to it, the actions it owns); an agency caller gives its own",
            ),
        ] = None,
        state: StateFilter | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[
            int, Query(ge=0, le=1_000_000, description="clocks to skip: the next page")
        ] = 0,
    ) -> list[ClockView]:
        """An agency lists the clocks of one case it is involved in (``case_id``; another's
        is 404) or of everything that concerns it (``agency``, its own; another's is 403);
        an agency's list without either is 403, so no probe answers with a list. The
        Business Team, the Chair and members list everything, or one agency's. Every read
        is audited, refusals included."""
        deps = _deps(request)
        within = await _clock_scope(request, who, case_id, agency)
        await audit_read(request, who, case_id, granted=True)
        query = ClockQuery(
            case_id=case_id,
            state=state,
            today=deps.policy.today(deps.now()),
            within=None if within is None else frozenset(within),
        )
        found = await deps.repo.find(query, limit=limit, offset=offset)
        return [_view(deps, c) for c in found]

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

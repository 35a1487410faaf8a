"""``/v1/duties``: the SPRG meeting schedule and the recurring duties, edited by the
CSCP Business Team (who run the meetings' papers, reports and updates)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from sprg_scheduler.domain.duties import DUTY_KINDS, DutySchedule, Meeting
from sprg_scheduler.domain.views import ClockView, view_of
from sprg_scheduler.handlers import duties as duty_handlers
from sprg_scheduler.handlers.duties import DutyDeps, ScheduleConflict
from sprg_shared.access import Caller

AnyRole = Caller
BusinessTeam = Caller

router = APIRouter(prefix="/v1/duties", tags=["duties"])


class ScheduleView(BaseModel):
    version: int
    schedule: DutySchedule
    recorded_meetings: list[Meeting] = Field(
        default=[],
        description="meetings recorded in intake (POST /v1/meetings) on days the schedule has "
        "none: the same meetings (id sprg-meeting-<date>), their duties clocked too",
    )


class SyncedView(BaseModel):
    schedule_version: int
    added: int
    moved: int
    stopped: int


def _deps(request: Request) -> DutyDeps:
    deps: DutyDeps = request.app.state.duties
    return deps


@router.get("/schedule", summary="The meeting schedule and duty rules in force")
async def get_schedule(request: Request, _: AnyRole) -> ScheduleView:
    number, schedule, recorded = await duty_handlers.planned_and_recorded(_deps(request))
    return ScheduleView(version=number, schedule=schedule, recorded_meetings=recorded)


@router.put("/schedule", summary="Replace the schedule; the duty clocks follow it")
async def put_schedule(request: Request, body: DutySchedule, who: BusinessTeam) -> SyncedView:
    try:
        synced = await duty_handlers.replace_schedule(body, f"user:{who.subject}", _deps(request))
    except ScheduleConflict as exc:
        raise HTTPException(409, detail=str(exc)) from exc
    return SyncedView(**synced.__dict__)


@router.get("", summary="Upcoming duties (meetings, papers, reports, updates, reviews)")
async def upcoming(request: Request, _: AnyRole) -> list[ClockView]:
    deps = _deps(request).clocks
    today = deps.policy.today(deps.now())
    found = await deps.repo.for_kinds(sorted(DUTY_KINDS))
    running = [s.clock for s in found if s.clock.active or s.clock.state == "paused"]
    return [view_of(c, today, deps.calendar) for c in sorted(running, key=lambda c: c.due)]

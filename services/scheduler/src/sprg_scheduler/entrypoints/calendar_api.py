"""``/v1/calendar``: closure days, the recalculation they propose, and its confirmation.

Who: the CSCP Business Team adds and confirms closure days (they know when the
partnership's offices close, and the clocks that move are theirs to chase); rules_admin
is for rule packs, which a closure day is not. Anyone signed in may read.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from sprg_scheduler.domain.calendar_change import Proposal
from sprg_scheduler.handlers import calendar as calendar_admin
from sprg_scheduler.handlers.calendar import CalendarDeps, CalendarRefused
from sprg_shared.access import Caller
from sprg_shared.contracts.calendar import CalendarVersioned, Closure

AnyRole = Caller
CalendarAdmin = Caller

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])


class ClosureBody(BaseModel):
    date: date
    reason: str = Field(min_length=3, max_length=200)


class ConfirmBody(BaseModel):
    expected_version: int | None = Field(
        default=None, description="the proposed_number you reviewed; refused if it changed"
    )


class ClosureView(Closure):
    in_version: int = Field(description="the version that holds it; 0 while pending")


class CalendarView(BaseModel):
    version: str
    number: int
    closures: list[ClosureView]


def _deps(request: Request) -> CalendarDeps:
    deps: CalendarDeps = request.app.state.calendar
    return deps


@router.get("", summary="The calendar in force and every closure day")
async def calendar(request: Request, _: AnyRole) -> CalendarView:
    deps = _deps(request)
    latest = await deps.store.latest()
    closures = [
        ClosureView(**c.model_dump(), in_version=n) for c, n in await deps.store.all_closures()
    ]
    in_force = await calendar_admin.refresh(deps)
    return CalendarView(
        version=in_force.version, number=latest.number if latest else 0, closures=closures
    )


@router.post("/closures", status_code=201, summary="Add a closure day (pending until confirmed)")
async def add_closure(request: Request, body: ClosureBody, who: CalendarAdmin) -> Proposal:
    deps = _deps(request)
    try:
        await calendar_admin.add_closure(body.date, body.reason, f"user:{who.subject}", deps)
    except CalendarRefused as exc:
        raise HTTPException(409, detail=str(exc)) from exc
    return await calendar_admin.propose(deps)


@router.get("/pending", summary="Pending closure days and each open clock they would move")
async def pending(request: Request, _: AnyRole) -> Proposal:
    return await calendar_admin.propose(_deps(request))


@router.post("/confirm", summary="Put the pending closure days in force; move the clocks")
async def confirm(request: Request, body: ConfirmBody, who: CalendarAdmin) -> CalendarVersioned:
    deps = _deps(request)
    try:
        return await calendar_admin.confirm(body.expected_version, f"user:{who.subject}", deps)
    except CalendarRefused as exc:
        raise HTTPException(409, detail=str(exc)) from exc

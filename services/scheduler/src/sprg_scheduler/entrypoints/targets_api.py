"""``/v1/targets``: the local targets' versions (validate and dry-run, activate with a
reason, roll back), the same lifecycle as a rule pack; the CSCP Business Team's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sprg_scheduler.handlers import targets
from sprg_scheduler.handlers.targets import Move, Reminders, TargetDeps, TargetsRefused
from sprg_shared.access import Caller

router = APIRouter(prefix="/v1/targets", tags=["targets"])


class Candidate(BaseModel):
    targets: dict[str, int] = Field(
        description='working days per local clock kind, e.g. {"rapid_review_panel_copy": 2}'
    )
    reminder_offsets: list[int] | None = Field(
        default=None,
        description="working days before a due date that reminders go out, e.g. [2, 0]; "
        "default: the shipped ones",
    )


class Activation(Candidate):
    reason: str = Field(min_length=3, max_length=500)


class Rollback(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


def _deps(request: Request) -> TargetDeps:
    deps: TargetDeps = request.app.state.targets
    return deps


def _moves(moves: list[Move]) -> list[dict[str, str]]:
    return [
        {
            "clock_id": m.clock_id,
            "case_id": m.case_id,
            "kind": m.kind,
            "old_due": m.old_due.isoformat(),
            "new_due": m.new_due.isoformat(),
        }
        for m in moves
    ]


def _reminders(changes: list[Reminders]) -> list[dict[str, Any]]:
    return [
        {
            "clock_id": r.clock_id,
            "case_id": r.case_id,
            "kind": r.kind,
            "due": r.due.isoformat(),
            "old_reminders": [d.isoformat() for d in r.old_days],
            "new_reminders": [d.isoformat() for d in r.new_days],
        }
        for r in changes
    ]


def _refused(exc: TargetsRefused) -> JSONResponse:
    loc = ["body", *exc.field.split(".")]
    return JSONResponse(
        {"detail": [{"loc": loc, "msg": str(exc), "type": "value_error"}]}, status_code=422
    )


@router.get("", summary="The local targets in force, the shipped ones and every version")
async def list_targets(request: Request, _: Caller) -> dict[str, Any]:
    deps = _deps(request)
    return {
        "in_force": targets.local_kinds(deps.clocks.kinds),
        "reminder_offsets": list(deps.clocks.policy.offsets),
        "shipped": targets.local_kinds(deps.shipped),
        "versions": await targets.versions(deps),
    }


@router.post(
    "/dry-run",
    summary="Validate a candidate; the open clocks it would move, the reminders it would change",
)
async def dry_run_targets(request: Request, body: Candidate, _: Caller) -> Any:
    """``would_move``: each open clock whose due date moves (old, new); ``would_remind``:
    each open clock whose reminders still to come would go out on other days, with the
    offsets given (none: the shipped ones, as activation without offsets puts in force)."""
    deps = _deps(request)
    try:
        moves = await targets.dry_run(body.targets, deps)
        reminders = await targets.dry_run_reminders(body.targets, body.reminder_offsets, deps)
    except TargetsRefused as exc:
        return _refused(exc)
    return {
        "valid": True,
        "reminder_offsets": list(
            targets.validate_offsets(body.reminder_offsets, deps.shipped_policy)
        ),
        "would_move": _moves(moves),
        "would_remind": _reminders(reminders),
    }


@router.post("/activate", summary="Put a candidate in force (a new version); clocks move")
async def activate_targets(request: Request, body: Activation, who: Caller) -> Any:
    try:
        number, moves = await targets.activate(
            body.targets, body.reason, f"user:{who.subject}", _deps(request), body.reminder_offsets
        )
    except TargetsRefused as exc:
        return _refused(exc)
    return {"version": number, "moved": _moves(moves)}


@router.post("/rollback", summary="Put the previous version in force again (a new version)")
async def rollback_targets(request: Request, body: Rollback, who: Caller) -> Any:
    try:
        number, moves = await targets.rollback(body.reason, f"user:{who.subject}", _deps(request))
    except TargetsRefused as exc:
        return _refused(exc)
    return {"version": number, "moved": _moves(moves)}

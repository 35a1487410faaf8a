"""Local targets as versioned data (issue 13 point 9): the working days a local clock kind
allows (``target_working_days`` in ``config/clock_kinds.yaml``: the copy of a Rapid Review
to the Panel, the CSAB liaison) are versions in the store, changed without a restart.

Like a rule pack: a candidate is validated (only local kinds counted in working days
after their anchor; never a statutory duty), dry-run (each open clock it would move, old
due -> new due, and each open clock whose reminders new offsets would move, old reminder
days -> new), activated with a reason (a new version in force: the open clocks move,
``sprg.clock.recalculated.v1`` names the version and the reason) and rolled back (the
previous version activated again, the same way). Every replica puts the active version in
force within a tick (``refresh``); a clock started later counts on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sprg_scheduler.domain import lifecycle, schedule
from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.domain.kinds import ClockKinds
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_scheduler.handlers.clocks import SchedulerDeps, _announce, _change
from sprg_shared.contracts.decisions import DueBasis
from sprg_shared.ids import stable_id
from sprg_shared.store import Document

log = logging.getLogger(__name__)
COLLECTION = "local_targets"


class TargetsRefused(ValueError):
    """The candidate cannot be activated: ``field`` names the part at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def local_kinds(kinds: ClockKinds) -> dict[str, int]:
    """The kinds whose target is local data, with their shipped target."""
    return {
        name: policy.target_working_days
        for name, policy in kinds.kinds.items()
        if policy.target_working_days is not None and not policy.statutory
    }


def validate(candidate: dict[str, int], shipped: ClockKinds) -> dict[str, int]:
    allowed = local_kinds(shipped)
    for kind, days in candidate.items():
        if kind not in allowed:
            raise TargetsRefused(
                f"{kind} is not a local target; the local targets are {', '.join(sorted(allowed))}",
                f"targets.{kind}",
            )
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 366:
            raise TargetsRefused(f"{kind}: working days 0 to 366, got {days!r}", f"targets.{kind}")
    return {**allowed, **candidate}


def in_force(shipped: ClockKinds, targets: dict[str, int]) -> ClockKinds:
    kinds = {
        name: policy.model_copy(update={"target_working_days": targets[name]})
        if name in targets
        else policy
        for name, policy in shipped.kinds.items()
    }
    return shipped.model_copy(update={"kinds": kinds})


@dataclass(frozen=True)
class Move:
    clock_id: str
    case_id: str
    kind: str
    old_due: date
    new_due: date


@dataclass
class TargetDeps:
    db: AsyncDatabase[Document]
    clocks: SchedulerDeps
    shipped: ClockKinds
    shipped_policy: ReminderPolicy
    on_policy: Callable[[ReminderPolicy], None] = lambda _: None
    """Tells the firing loop of reminder offsets put in force."""


def validate_offsets(offsets: list[int] | None, shipped: ReminderPolicy) -> tuple[int, ...]:
    """Reminder offsets: working days before the due date, each once, 0 to 60."""
    if offsets is None:
        return shipped.offsets
    if not 1 <= len(offsets) <= 5 or len(set(offsets)) != len(offsets):
        raise TargetsRefused("one to five different offsets", "reminder_offsets")
    for i, offset in enumerate(offsets):
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= 60:
            raise TargetsRefused(
                f"working days before the due date, 0 to 60, got {offset!r}",
                f"reminder_offsets.{i}",
            )
    return tuple(sorted(offsets, reverse=True))


async def dry_run(candidate: dict[str, int], deps: TargetDeps) -> list[Move]:
    """Each open clock the candidate would move (nothing changes)."""
    targets = validate(candidate, deps.shipped)
    c = deps.clocks
    moves: list[Move] = []
    for stored in await c.repo.for_kinds(sorted(targets)):
        clock = stored.clock
        if not clock.active:
            continue
        new_due = c.calendar.add_working_days(clock.anchor_date, targets[clock.kind])
        if new_due != clock.due:
            moves.append(Move(clock.clock_id, clock.case_id, clock.kind, clock.due, new_due))
    return moves


@dataclass(frozen=True)
class Reminders:
    """An open clock whose reminders still to come would go out on other days."""

    clock_id: str
    case_id: str
    kind: str
    due: date
    """The due date once the candidate is in force (moved, when the candidate moves it)."""
    old_days: tuple[date, ...]
    new_days: tuple[date, ...]


def _reminder_days(clock: Clock, policy: ReminderPolicy, deps: SchedulerDeps) -> tuple[date, ...]:
    steps = schedule.pending(clock, policy, deps.calendar)
    return tuple(p.day for p in steps if p.kind == "reminder")


async def dry_run_reminders(
    candidate: dict[str, int], reminder_offsets: list[int] | None, deps: TargetDeps
) -> list[Reminders]:
    """Each open clock whose reminders still to come would change if the candidate were
    activated with these offsets (none given: the shipped ones, as activation does), on
    its due date as the candidate leaves it. Nothing changes."""
    targets = validate(candidate, deps.shipped)
    offsets = validate_offsets(reminder_offsets, deps.shipped_policy)
    c = deps.clocks
    policy = replace(deps.shipped_policy, offsets=offsets)
    changes: list[Reminders] = []
    for kind in await c.repo.kinds():
        for stored in await c.repo.for_kinds([kind]):
            clock = stored.clock
            if not clock.active:
                continue
            due = clock.due
            if kind in targets:
                due = c.calendar.add_working_days(clock.anchor_date, targets[kind])
            old = _reminder_days(clock, c.policy, c)
            new = _reminder_days(clock.model_copy(update={"due": due}), policy, c)
            if old != new:
                changes.append(Reminders(clock.clock_id, clock.case_id, kind, due, old, new))
    return changes


async def versions(deps: TargetDeps) -> list[dict[str, Any]]:
    found = deps.db[COLLECTION].find({})
    return [
        {"version": d["_id"], **{k: v for k, v in d.items() if k != "_id"}}
        async for d in found.sort("_id", DESCENDING)
    ]


async def _latest(deps: TargetDeps) -> Document | None:
    return await deps.db[COLLECTION].find_one({}, sort=[("_id", DESCENDING)])


async def activate(
    candidate: dict[str, int],
    reason: str,
    by: str,
    deps: TargetDeps,
    reminder_offsets: list[int] | None = None,
) -> tuple[int, list[Move]]:
    """A new version in force: stored (a unique number), then each open clock moved and
    replanned on the reminder offsets."""
    targets = validate(candidate, deps.shipped)
    offsets = validate_offsets(reminder_offsets, deps.shipped_policy)
    latest = await _latest(deps)
    number = (int(latest["_id"]) if latest else 0) + 1
    now = deps.clocks.now()
    try:
        await deps.db[COLLECTION].insert_one(
            {
                "_id": number,
                "targets": targets,
                "reminder_offsets": list(offsets),
                "reason": reason,
                "by": by,
                "at": now,
            }
        )
    except DuplicateKeyError as exc:
        raise TargetsRefused(f"version {number} was activated by someone else", "targets") from exc
    moves = await _apply(number, targets, offsets, reason, now, deps)
    log.info("local targets in force", extra={"version": number, "moved": len(moves)})
    return number, moves


async def rollback(reason: str, by: str, deps: TargetDeps) -> tuple[int, list[Move]]:
    """The previous version (or the shipped targets) activated again as a new version."""
    found = await versions(deps)
    if not found:
        raise TargetsRefused("no version to roll back from", "targets")
    if len(found) > 1:
        previous, offsets = found[1]["targets"], found[1].get("reminder_offsets")
    else:
        previous, offsets = local_kinds(deps.shipped), list(deps.shipped_policy.offsets)
    return await activate(previous, f"rollback: {reason}", by, deps, offsets)


async def _apply(
    number: int,
    targets: dict[str, int],
    offsets: tuple[int, ...],
    reason: str,
    now: datetime,
    deps: TargetDeps,
) -> list[Move]:
    c = deps.clocks
    c.kinds = in_force(deps.shipped, targets)
    if offsets != c.policy.offsets:
        _use_offsets(offsets, deps)
        for kind in await c.repo.kinds():
            for stored in await c.repo.for_kinds([kind]):
                if stored.clock.active:
                    await _change(stored.clock.clock_id, _replanned(c), c)
    event_id = stable_id("local-targets", str(number))
    moves = await dry_run(targets, deps)
    for move in moves:

        def redate(
            clock: Clock, due: date = move.new_due, days: int = targets[move.kind]
        ) -> Clock | None:
            moved = lifecycle.recalendar(
                clock,
                new_due=due,
                calendar_version=c.calendar_version,
                reason=f"local targets version {number}: {reason}",
                event_id=event_id,
                now=now,
                policy=c.policy,
                calendar=c.calendar,
            )
            # The clock says the target it now counts: "3 working days after".
            basis = DueBasis(count=days, unit="working_days")
            return None if moved is None else moved.model_copy(update={"basis": basis})

        clock = await _change(move.clock_id, redate, c)
        await _announce(clock, event_id, None, c)
    return moves


def _replanned(c: SchedulerDeps) -> Callable[[Clock], Clock | None]:
    def replan(clock: Clock) -> Clock | None:
        again = schedule.planned(clock, c.policy, c.calendar)
        return None if again == clock else again

    return replan


def _use_offsets(offsets: tuple[int, ...], deps: TargetDeps) -> None:
    deps.clocks.policy = replace(deps.shipped_policy, offsets=offsets)
    deps.on_policy(deps.clocks.policy)


async def refresh(deps: TargetDeps) -> None:
    """Put the active version in force on this replica (its clocks moved by whoever activated)."""
    latest = await _latest(deps)
    if latest is not None:
        deps.clocks.kinds = in_force(deps.shipped, dict(latest["targets"]))
        offsets = tuple(latest.get("reminder_offsets") or deps.shipped_policy.offsets)
        if offsets != deps.clocks.policy.offsets:
            _use_offsets(offsets, deps)

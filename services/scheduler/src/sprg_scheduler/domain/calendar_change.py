"""A new calendar version, and which running clocks it would move.

The calendar is versioned (domain.md section 1: a due date once issued never moves
silently). Closure days an administrator adds wait, pending, until an administrator
confirms them; until then no due date anywhere uses them, new or old. The proposal
lists each running clock the pending version would move (old due → new due); on
confirmation the version is put in force and each listed clock is recalculated with a
``ClockRecalculated`` naming the version. Pure: clocks and calendars are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from pydantic import BaseModel, ConfigDict

from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.domain.kinds import Counting, counting_of, recount
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.calendar import Closure
from sprg_shared.ids import stable_id


class Move(BaseModel):
    model_config = ConfigDict(frozen=True)

    clock_id: str
    case_id: str
    kind: str
    old_due: date
    new_due: date


class Proposal(BaseModel):
    """What confirming the pending closure days would do."""

    model_config = ConfigDict(frozen=True)

    current_version: str
    proposed_version: str
    proposed_number: int
    pending: tuple[Closure, ...]
    moves: tuple[Move, ...]


def counting_for(clock: Clock) -> Counting:
    """How the clock's due date is counted again: as its decision said, or, for a clock
    stored before clocks carried it, as its dates say (a clock with a key, a request's or an
    action's, or a recurring duty's, has a date a person or the schedule set)."""
    if clock.basis is not None:
        return counting_of(clock.basis)
    if clock.key is not None or clock.is_duty:
        return "set_by_coordinator"
    return "working_days_after" if clock.due >= clock.base else "working_days_before"


def moves(
    clocks: Iterable[Clock],
    new: WorkingDayCalendar,
    issued_under: Mapping[str, WorkingDayCalendar],
) -> list[Move]:
    """Each running clock whose due date ``new`` would change, counted from the calendar it
    was issued under (an unknown version counts as bank holidays only)."""
    found: list[Move] = []
    for clock in clocks:
        if not clock.active:
            continue  # a paused clock counts on the calendar in force when it resumes
        old = issued_under.get(clock.calendar_version, WorkingDayCalendar())
        new_due = recount(counting_for(clock), clock.base, clock.due, old, new)
        if new_due != clock.due:
            found.append(
                Move(
                    clock_id=clock.clock_id,
                    case_id=clock.case_id,
                    kind=clock.kind,
                    old_due=clock.due,
                    new_due=new_due,
                )
            )
    return sorted(found, key=lambda m: (m.old_due, m.clock_id))


def version_event_id(version: str) -> str:
    """The id of the confirmation that put ``version`` in force (and moved the clocks)."""
    return stable_id("calendar.version", version)


def reason_for(version: str, added: Iterable[Closure]) -> str:
    days = ", ".join(f"{c.date} ({c.reason})" for c in sorted(added, key=lambda c: c.date))
    return f"calendar version {version} confirmed: closure days {days}"

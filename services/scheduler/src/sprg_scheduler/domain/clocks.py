"""Clocks: a statutory duty with a due date, started by a decision.

A clock belongs to a subject, ``case_id``: the case for the statutory clocks and the
requests and actions on a case, the escalation for an escalation's stage target, the
action's source (a case, meeting or review) for an action. ``key`` tells apart the
clocks of one kind on one subject (an information request's or an action's id); the
rules' decisions own the clocks without a key and stop those they no longer list.

A clock's life: ``open`` → (``reminded``) → ``met`` | ``breached`` | ``stopped`` |
``closed``; an open clock whose kind allows it may be ``paused`` and resumed (the
working days it was paused are not counted). Only ``open`` and ``reminded`` clocks
fire (reminders, then the breach);
a breached clock can still be met (late), stopped or closed, and a corrected fact can
re-open it. Every due date a clock had is kept in ``history``, with when and why.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, TypedDict

from pydantic import BaseModel, ConfigDict

from sprg_shared.contracts.clocks import SubjectOfClock
from sprg_shared.contracts.decisions import ClockDue, DueBasis
from sprg_shared.ids import stable_id

ClockState = Literal["open", "reminded", "paused", "met", "breached", "stopped", "closed"]
ACTIVE: frozenset[str] = frozenset({"open", "reminded"})
"""The states that still fire reminders and the breach."""
ENDED: frozenset[str] = frozenset({"met", "stopped", "closed"})
"""The states that never fire again."""


class DueChange(BaseModel):
    """One due date the clock had: from when, and which event set it and why."""

    model_config = ConfigDict(frozen=True)

    change: Literal["started", "recalculated", "restarted", "resumed"]
    due: date
    anchor: str
    anchor_date: date
    changed_at: datetime
    by_event: str
    reason: str


class Pause(BaseModel):
    """One pause: when, why, by whom, and (once resumed) for how many working days."""

    model_config = ConfigDict(frozen=True)

    paused_on: date
    reason: str
    by: str
    paused_at: datetime
    due_when_paused: date
    working_days_remaining: int
    resumed_on: date | None = None
    resumed_by: str | None = None
    working_days_paused: int | None = None


class ClockLabels(TypedDict):
    """How people know a clock's subject and who must act: no personal data."""

    reference: str | None
    subject_kind: SubjectOfClock | None
    owner_agency: str | None
    statutory: bool | None


class Clock(BaseModel):
    model_config = ConfigDict(frozen=True)

    clock_id: str
    case_id: str
    kind: str
    key: str | None = None
    """Which one of this kind on the subject (a request's or an action's id); None for the
    one clock of the kind a decision owns."""
    anchor: str
    anchor_date: date
    due: date
    state: ClockState
    rule: str
    started_by: str
    started_at: datetime
    calendar_version: str
    basis: DueBasis | None = None
    """How the due date is counted from the anchor, as the decision said ("5 working days
    after"): a calendar change counts it again that way. None: a date a person set, or a
    clock stored before clocks carried it (``calendar_change.counting_for``)."""
    history: tuple[DueChange, ...] = ()
    next_fire_at: datetime | None = None
    """The next reminder or breach instant; None when nothing more will fire."""
    fired_through: datetime | None = None
    """The planned instant of the last transition handled (fired, or skipped in catch-up)."""
    remind_from: date | None = None
    """The day of the first reminder for the current due date (start of 'at risk')."""
    breached_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None
    end_reason: str | None = None
    met_on: date | None = None
    late: bool = False
    pauses: tuple[Pause, ...] = ()
    """Every pause, the current one (not resumed) last."""
    counted_from: date | None = None
    """Where the working days to the due date are counted from once resumed (else the anchor)."""
    duty_details: dict[str, str] | None = None
    """Set for a recurring duty's clock (its subject is the occurrence, not a case)."""
    reference: str | None = None
    """How people know the subject (SIN-2026-..., ESC-..., an action's ACT-...)."""
    subject_kind: SubjectOfClock | None = None
    """Which kind of page the subject opens on (case, escalation, action, ...)."""
    owner_agency: str | None = None
    """The agency that must act (a request's or an action's)."""
    statutory: bool | None = None
    """A duty the law sets (the kind's policy), else a local or a person's target."""

    def labels(self) -> ClockLabels:
        """What every event about this clock carries so that people can act on it."""
        return ClockLabels(
            reference=self.reference,
            subject_kind=self.subject_kind,
            owner_agency=self.owner_agency,
            statutory=self.statutory,
        )

    @property
    def is_duty(self) -> bool:
        return self.duty_details is not None

    @property
    def paused(self) -> Pause | None:
        if self.state == "paused" and self.pauses:
            return self.pauses[-1]
        return None

    @property
    def base(self) -> date:
        """The day the current due date is counted from (day 0)."""
        return self.counted_from or self.anchor_date

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


def clock_id_for(case_id: str, kind: str, key: str | None = None) -> str:
    """One clock per duty per subject, whatever the number of deliveries; a keyed clock
    is known by its key alone (a request's or an action's id is unique), whatever its kind."""
    if key is None:
        return stable_id("clock", case_id, kind)
    return keyed_clock_id(case_id, key)


def keyed_clock_id(case_id: str, key: str) -> str:
    return stable_id("clock", case_id, "key", key)


def new_clock(
    case_id: str,
    due: ClockDue,
    *,
    event_id: str,
    now: datetime,
    calendar_version: str,
    key: str | None = None,
) -> Clock:
    """A clock as a decision starts it (its firing plan is set by ``schedule.planned``)."""
    return Clock(
        clock_id=clock_id_for(case_id, due.kind, key),
        case_id=case_id,
        kind=due.kind,
        key=key,
        anchor=due.anchor,
        anchor_date=due.anchor_date,
        due=due.due,
        state="open",
        rule=due.rule,
        started_by=event_id,
        started_at=now,
        calendar_version=calendar_version,
        basis=due.basis,
        history=(
            DueChange(
                change="started",
                due=due.due,
                anchor=due.anchor,
                anchor_date=due.anchor_date,
                changed_at=now,
                by_event=event_id,
                reason="started",
            ),
        ),
    )

"""Clocks: a statutory duty with a due date, started by a decision."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from sprg_shared.events import CaseAssessed, ClockDue
from sprg_shared.ids import stable_id


class Clock(BaseModel):
    model_config = ConfigDict(frozen=True)

    clock_id: str
    case_id: str
    kind: str
    anchor: str
    anchor_date: date
    due: date
    state: str
    rule: str
    started_by: str
    started_at: datetime
    calendar_version: str


def clock_id_for(case_id: str, kind: str) -> str:
    """One clock per duty per case, whatever the number of deliveries."""
    return stable_id("clock", case_id, kind)


def clocks_from(
    assessed: CaseAssessed, *, event_id: str, now: datetime, calendar_version: str
) -> list[Clock]:
    return [
        _clock(assessed.case_id, due, event_id, now, calendar_version) for due in assessed.clocks
    ]


def _clock(
    case_id: str, due: ClockDue, event_id: str, now: datetime, calendar_version: str
) -> Clock:
    return Clock(
        clock_id=clock_id_for(case_id, due.kind),
        case_id=case_id,
        kind=due.kind,
        anchor=due.anchor,
        anchor_date=due.anchor_date,
        due=due.due,
        state="open",
        rule=due.rule,
        started_by=event_id,
        started_at=now,
        calendar_version=calendar_version,
    )

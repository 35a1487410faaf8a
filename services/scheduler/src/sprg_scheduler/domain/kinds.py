"""What the scheduler knows of each clock kind: how its due date is counted, whether it
may pause, and which fact on the bus starts it. Configuration (``config/clock_kinds.yaml``),
not code: a new kind, or a kind allowed to pause, is an edit to that file.

``counting`` says how a calendar change re-derives the due date from the clock's anchor:

- ``working_days_after``: the Nth working day after the anchor date (day 0 not counted);
- ``working_days_before``: the Nth working day before the anchor date (pre-publication);
- ``calendar_months``: months from the anchor, clamped: closure days never move it;
- ``set_by_coordinator``: a date a person set: closure days never move it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from sprg_shared.calendar import WorkingDayCalendar

Counting = Literal[
    "working_days_after", "working_days_before", "calendar_months", "set_by_coordinator"
]


class KindPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    counting: Counting = "working_days_after"
    pausable: bool = False
    statutory: bool = Field(
        default=False, description="a duty the law sets; else a local or a person's target"
    )
    started_by: str = Field(default="", description="the event that starts it, if on the bus")
    target_working_days: int | None = Field(
        default=None,
        ge=0,
        le=366,
        description="a local target the scheduler sets itself, not the rules (working days"
        " from its anchor)",
    )
    note: str = ""


class ClockKinds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kinds: dict[str, KindPolicy] = Field(default_factory=dict)
    default: KindPolicy = KindPolicy()

    def of(self, kind: str) -> KindPolicy:
        return self.kinds.get(kind, self.default)

    @classmethod
    def parse(cls, text: str) -> ClockKinds:
        return cls.model_validate(yaml.safe_load(text) or {})


def recount(
    counting: Counting,
    base: date,
    due: date,
    old: WorkingDayCalendar,
    new: WorkingDayCalendar,
) -> date:
    """The due date ``due`` (counted from ``base`` on ``old``) counted again on ``new``."""
    match counting:
        case "working_days_after":
            if due <= base:
                return due
            return new.add_working_days(base, old.working_days_between(base, due))
        case "working_days_before":
            if due >= base:
                return due
            # The working days in [due, base) on the old calendar.
            n = old.working_days_between(due - timedelta(days=1), base - timedelta(days=1))
            return new.working_days_before(base, n)
        case _:
            return due

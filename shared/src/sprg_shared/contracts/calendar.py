"""The working-day calendar in force, on the compacted ``sprg.calendar`` (the scheduler
confirms a version; the rules count on it).

Owned by scheduler; who reads it: ``sprg_shared.topics``.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from sprg_shared import topics
from sprg_shared.contracts._base import Part
from sprg_shared.envelope import EventData, event_type

__all__ = [
    "CalendarVersioned",
    "Closure",
]


class Closure(Part):
    """A day the partnership is closed although it is neither a weekend nor a bank holiday."""

    date: date
    reason: str


@event_type("sprg.calendar.versioned.v1", topics.CALENDAR)
class CalendarVersioned(EventData):
    """A calendar version put in force: every closure day it holds, not just the new ones.

    Keyed by ``calendar`` on a compacted topic, so the latest version is all a reader
    (the rules service, a new scheduler replica) needs to replay.
    """

    version: str = Field(description="e.g. ew-bank-holidays+closures.3")
    number: int = Field(ge=0)
    closures: tuple[Closure, ...]
    confirmed_by: str
    confirmed_at: datetime
    clocks_recalculated: int = Field(ge=0, description="open clocks whose due date moved")

    def subject(self) -> str:
        return "calendar"

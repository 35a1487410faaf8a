"""When a day's digest falls due: at a configured local time (the partnership's, London)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sprg_shared.calendar import LONDON

__all__ = ["LONDON", "due_day"]


def due_day(now: datetime, at: time, zone: ZoneInfo = LONDON) -> date | None:
    """The local day whose digest is due at ``now``, or None before today's ``at``."""
    local = now.astimezone(zone)
    return local.date() if local.time() >= at else None

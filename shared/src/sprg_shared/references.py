"""The references people are given, as every service writes them (no personal data).

Intake mints a case's, a Case of Concern's, an escalation's and an action's reference
(SIN-2026-..., COC-..., ESC-..., ACT-...); a meeting is known by its date.
"""

from __future__ import annotations

from datetime import date

__all__ = ["long_date", "meeting_id", "meeting_reference", "minted"]


def long_date(day: date) -> str:
    """GOV.UK style: 13 May 2026."""
    return f"{day.day} {day:%B %Y}"


def meeting_reference(day: date) -> str:
    return f"SPRG meeting of {long_date(day)}"


def meeting_id(day: date) -> str:
    """One SPRG meeting, one identity: the scheduler's schedule and intake's meeting record
    name a meeting by its date (the SPRG meets at most once a day)."""
    return f"sprg-meeting-{day.isoformat()}"


def minted(prefix: str, subject_id: str, year: int) -> str:
    """A short reference people can say on the phone; unique because the id is."""
    return f"{prefix}-{year}-{subject_id.replace('-', '')[:8].upper()}"

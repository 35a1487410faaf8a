"""Report periods: two-month SPRG periods (Jan-Feb, Mar-Apr, ...) and calendar quarters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

ReportKind = Literal["sprg_bimonthly", "executive_quarterly"]
KINDS: tuple[ReportKind, ...] = ("sprg_bimonthly", "executive_quarterly")


class BadPeriod(ValueError):
    """A period that is not ``YYYY-MM`` (an odd month) or ``YYYY-Qn``."""


@dataclass(frozen=True)
class Period:
    kind: ReportKind
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == "executive_quarterly":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def report_id(self) -> str:
        return f"{self.kind}:{self.label}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - timedelta(days=1))


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def period_containing(kind: ReportKind, day: date) -> Period:
    size = 3 if kind == "executive_quarterly" else 2
    first = day.month - (day.month - 1) % size
    return Period(kind, date(day.year, first, 1), _month_end(day.year, first + size - 1))


def parse_period(kind: str, text: str) -> Period:
    if kind not in KINDS:
        raise BadPeriod(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")
    if kind == "executive_quarterly":
        found = re.fullmatch(r"(\d{4})-Q([1-4])", text)
        if not found:
            raise BadPeriod(f"a quarter is written YYYY-Qn, not {text!r}")
        return period_containing("executive_quarterly", date(int(found[1]), int(found[2]) * 3, 1))
    found = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not found or int(found[2]) not in (1, 3, 5, 7, 9, 11):
        raise BadPeriod(f"an SPRG period is written YYYY-MM with its first (odd) month: {text!r}")
    return period_containing("sprg_bimonthly", date(int(found[1]), int(found[2]), 1))


def latest_complete(kind: ReportKind, day: date) -> Period:
    """The last period of ``kind`` that has ended before ``day``."""
    return period_containing(kind, day).previous()


def period_for_duty(duty: str, stage: str, due: date, details: Mapping[str, str]) -> Period | None:
    """The report a scheduler duty that fell due asks for, or None for any other duty.

    - ``bimonthly_report`` (produced for an SPRG meeting's papers, some working days
      before the meeting): the period the meeting reviews, which is the last period that
      has ended by the meeting's date (``details["meeting_date"]``). The meetings open
      each period (Jan, Mar, ...) and the report is due a fortnight before, so the
      March meeting gets Jan-Feb, produced from what is known on its due date in late
      February, rather than Nov-Dec, two months stale. Without a meeting date (an older
      scheduler, a hand-made duty) it is the last period that ended before the due date.
    - ``executive_update`` (the quarterly update to the Executive Group): the last
      quarter that ended before the due date (due 29 January: October-December).

    Only the ``due`` stage produces; a ``reminder`` of the same duty produces nothing.
    """
    if stage != "due":
        return None
    if duty == "executive_update":
        return latest_complete("executive_quarterly", due)
    if duty == "bimonthly_report":
        meeting = details.get("meeting_date", "")
        try:
            day = date.fromisoformat(meeting) if meeting else due
        except ValueError:
            day = due
        return latest_complete("sprg_bimonthly", max(day, due))
    return None

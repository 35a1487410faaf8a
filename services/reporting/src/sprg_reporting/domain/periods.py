"""Report periods: two-month SPRG periods (Jan-Feb, Mar-Apr, ...) and calendar quarters."""

from __future__ import annotations

import re
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

"""The one working-day calendar every clock uses (domain.md section 1).

A working day is Monday to Friday, except England and Wales bank holidays (from the
maintained ``holidays`` package, substitute days included) and except closure days an
administrator adds. Pure: no I/O beyond the ``holidays`` package's bundled data.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import importlib.util
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "BASE_VERSION",
    "LONDON",
    "WorkingDayCalendar",
    "add_months",
    "bank_holidays",
    "london_today",
    "version_name",
]

BASE_VERSION = "ew-bank-holidays"
"""Version 0: bank holidays only, no closure days."""
LONDON = ZoneInfo("Europe/London")
"""The partnership's time zone: the day a date-only deadline or report belongs to."""
_SATURDAY = 5
# Guard against runaway loops from absurd inputs (e.g. a closure list covering decades).
_MAX_SCAN_DAYS = 366 * 20


@lru_cache(maxsize=1)
def _united_kingdom() -> type[holidays.HolidayBase] | None:
    """The package's United Kingdom class, loaded from its own file.

    ``holidays.country_holidays`` imports every one of the package's 250 countries
    first (about 0.4 s, most of a ``sprg assess`` run); this loads one. None if the
    package's layout changed: then the registry is used.
    """
    try:
        spec = importlib.util.find_spec("holidays.countries")
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / "united_kingdom.py"
        found = importlib.util.spec_from_file_location("sprg_shared._holidays_uk", path)
        if found is None or found.loader is None:
            return None
        module = importlib.util.module_from_spec(found)
        found.loader.exec_module(module)
        uk: type[holidays.HolidayBase] = module.UnitedKingdom
    except (ImportError, OSError, AttributeError):
        return None
    return uk


@lru_cache(maxsize=256)
def _bank_holidays_for_year(year: int) -> frozenset[date]:
    # Without subdiv="ENG" the package drops Easter Monday and the August bank holiday.
    uk = _united_kingdom()
    if uk is None:
        found = holidays.country_holidays("GB", subdiv="ENG", years=year)
    else:
        found = uk(subdiv="ENG", years=year)
    return frozenset(d for d in found if d.year == year)


def london_today() -> date:
    """Today in England, whatever the machine's time zone."""
    return datetime.now(UTC).astimezone(LONDON).date()


def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays of ``year``, substitute days included."""
    return _bank_holidays_for_year(year)


def version_name(number: int) -> str:
    """The name of calendar version ``number`` (0: bank holidays only)."""
    return BASE_VERSION if number == 0 else f"{BASE_VERSION}+closures.{number}"


def add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, clamped to the last day of a shorter month."""
    if n < 0:
        msg = f"months must be >= 0, got {n}"
        raise ValueError(msg)
    month_index = d.month - 1 + n
    year, month = d.year + month_index // 12, month_index % 12 + 1
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


@lru_cache(maxsize=256)
def _weekday_holidays(year: int) -> frozenset[date]:
    """The bank holidays of ``year`` that fall Monday to Friday (all do but a few)."""
    return frozenset(d for d in _bank_holidays_for_year(year) if d.weekday() < _SATURDAY)


def _weekdays_through(d: date) -> int:
    """Monday-to-Friday days from 1 January of year 1 (a Monday) to ``d`` inclusive."""
    weeks, rest = divmod(d.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Working days for the partnership (England and Wales), plus closure days."""

    version: str = BASE_VERSION
    closures: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def numbered(cls, number: int, closures: frozenset[date]) -> WorkingDayCalendar:
        """Calendar version ``number``, holding these closure days."""
        return cls(version=version_name(number), closures=closures)

    def is_working_day(self, d: date) -> bool:
        return (
            d.weekday() < _SATURDAY
            and d not in _bank_holidays_for_year(d.year)
            and d not in self.closures
        )

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``th working day after ``d``; ``d`` itself (day 0) is never counted."""
        return self._step(d, n, 1)

    def working_days_before(self, d: date, n: int) -> date:
        """The ``n``th working day before ``d``; ``d`` itself is never counted."""
        return self._step(d, n, -1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: 0 when end is on or before start.

        Counted, not walked: the weekdays by arithmetic, less the bank holidays and closure
        days among them. A clock due decades away costs a few set lookups a year, not a
        loop over every day (a view of such clocks held the event loop for seconds)."""
        if end <= start:
            return 0
        edges = {start.year, end.year}
        days_off = {
            d
            for year in edges
            for d in _weekday_holidays(year)
            if start < d <= end and d not in self.closures
        }
        whole_years = sum(len(_weekday_holidays(y)) for y in range(start.year + 1, end.year))
        inner = [d for d in self.closures if start < d <= end and d.weekday() < _SATURDAY]
        inner_holidays = sum(d.year not in edges and d in _weekday_holidays(d.year) for d in inner)
        off = len(days_off) + whole_years + len(inner) - inner_holidays
        return _weekdays_through(end) - _weekdays_through(start) - off

    def _step(self, d: date, n: int, direction: int) -> date:
        if n < 0:
            msg = f"working days must be >= 0, got {n}"
            raise ValueError(msg)
        current, counted, scanned = d, 0, 0
        while counted < n:
            current += timedelta(days=direction)
            scanned += 1
            if scanned > _MAX_SCAN_DAYS:
                msg = "no working days found within twenty years: check the closure days"
                raise ValueError(msg)
            if self.is_working_day(current):
                counted += 1
        return current

"""The working-day calendar: England and Wales bank holidays, closures, day 0, months."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from sprg_shared.calendar import WorkingDayCalendar, add_months, bank_holidays

CAL = WorkingDayCalendar()


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday: lost without subdiv="ENG"
        date(2026, 8, 31),  # August bank holiday: lost without subdiv="ENG"
        date(2026, 12, 28),  # Boxing Day substitute
        date(2027, 12, 27),  # Christmas substitute
        date(2027, 12, 28),  # Boxing Day substitute
        date(2028, 1, 3),  # New Year substitute
        date(2027, 3, 29),  # Easter Monday
        date(2028, 8, 28),  # August bank holiday
    ],
)
def test_bank_holidays_and_substitute_days_are_not_working_days(holiday: date) -> None:
    assert holiday.weekday() < 5
    assert holiday in bank_holidays(holiday.year)
    assert not CAL.is_working_day(holiday)


def test_weekends_are_not_working_days_and_ordinary_weekdays_are() -> None:
    assert not CAL.is_working_day(date(2026, 11, 28))  # Saturday
    assert not CAL.is_working_day(date(2026, 11, 29))  # Sunday
    assert CAL.is_working_day(date(2026, 11, 30))


def test_scottish_only_holidays_do_not_count() -> None:
    # 2 January and St Andrew's Day are Scottish bank holidays, not English ones.
    assert CAL.is_working_day(date(2026, 1, 2))
    assert CAL.is_working_day(date(2026, 11, 30))


def test_day_zero_is_never_counted_even_when_a_working_day() -> None:
    assert CAL.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)  # over Easter
    assert CAL.add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 13)
    assert CAL.add_working_days(date(2026, 11, 30), 1) == date(2026, 12, 1)


def test_anchor_on_weekend_or_holiday_counts_from_next_working_day() -> None:
    assert CAL.add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Saturday
    assert CAL.add_working_days(date(2026, 12, 26), 5) == date(2027, 1, 5)
    assert CAL.add_working_days(date(2026, 4, 6), 1) == date(2026, 4, 7)  # Easter Monday


def test_zero_working_days_is_the_anchor_and_negative_is_refused() -> None:
    assert CAL.add_working_days(date(2026, 4, 4), 0) == date(2026, 4, 4)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add_working_days(date(2026, 4, 4), -1)
    with pytest.raises(ValueError, match=">= 0"):
        CAL.working_days_before(date(2026, 4, 4), -1)


def test_closure_days_are_not_working_days() -> None:
    closed = WorkingDayCalendar(version="test-closure", closures=frozenset({date(2026, 4, 8)}))
    assert not closed.is_working_day(date(2026, 4, 8))
    assert closed.add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 14)
    assert CAL.add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 13)


def test_working_days_before_publication() -> None:
    # 7th working day before 6 Jan 2027, across Christmas and New Year.
    assert CAL.working_days_before(date(2027, 1, 6), 7) == date(2026, 12, 23)
    assert CAL.working_days_before(date(2026, 4, 7), 1) == date(2026, 4, 2)


def test_working_days_between() -> None:
    assert CAL.working_days_between(date(2026, 4, 2), date(2026, 4, 13)) == 5
    assert CAL.working_days_between(date(2026, 4, 13), date(2026, 4, 2)) == 0
    assert CAL.working_days_between(date(2026, 4, 2), date(2026, 4, 2)) == 0


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 7, 15), 6, date(2027, 1, 15)),
        (date(2026, 12, 31), 12, date(2027, 12, 31)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_months_refuses_negative() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        add_months(date(2026, 1, 1), -1)


def test_property_due_dates_over_many_anchors() -> None:
    rng = random.Random(20261128)
    for _ in range(400):
        anchor = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 365 * 4))
        n = rng.randrange(1, 25)
        due = CAL.add_working_days(anchor, n)
        assert due > anchor
        assert CAL.is_working_day(due)
        assert CAL.working_days_between(anchor, due) == n
        assert CAL.working_days_between(anchor, due - timedelta(days=1)) == n - 1
        before = CAL.working_days_before(anchor, n)
        assert before < anchor
        assert CAL.is_working_day(before)
        day = timedelta(days=1)
        assert CAL.working_days_between(before - day, anchor - day) == n  # [before, anchor)


def test_working_days_between_counts_as_walking_day_by_day() -> None:
    """The count is arithmetic (a clock due in 2100 is viewed in microseconds, not the
    seconds a day-by-day walk took on the event loop): it agrees with the walk, closure
    days on weekends and weekdays included."""
    rng = random.Random(20261207)
    closures = frozenset(
        date(2026, 12, 1) + timedelta(days=rng.randrange(0, 900)) for _ in range(40)
    )
    closures |= {date(2026, 12, 28), date(2027, 12, 27), date(2028, 8, 28)}  # bank holidays too
    closures |= {date(2027, 6, 5)}  # a Saturday
    cal = WorkingDayCalendar.numbered(3, closures)
    for _ in range(300):
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 365 * 5))
        end = start + timedelta(days=rng.randrange(-30, 1500))
        walked = sum(
            cal.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )
        assert cal.working_days_between(start, end) == walked, (start, end)
    far = CAL.working_days_between(date(2026, 12, 7), date(2100, 12, 31))
    assert far == sum(
        CAL.is_working_day(date(2026, 12, 7) + timedelta(days=i))
        for i in range(1, (date(2100, 12, 31) - date(2026, 12, 7)).days + 1)
    )


def test_calendar_is_frozen() -> None:
    with pytest.raises(AttributeError):
        CAL.version = "changed"  # type: ignore[misc]


def test_bank_holidays_loaded_alone_equal_the_packages_registry() -> None:
    """The calendar loads the United Kingdom class by itself (the registry imports every
    country); both must give the same England and Wales bank holidays."""
    import holidays  # noqa: PLC0415

    from sprg_shared.calendar import _united_kingdom, bank_holidays  # noqa: PLC0415

    assert _united_kingdom() is not None
    for year in range(2024, 2032):
        registry = holidays.country_holidays("GB", subdiv="ENG", years=year)
        assert bank_holidays(year) == frozenset(d for d in registry if d.year == year), year

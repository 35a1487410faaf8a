"""A person's age in whole years on a date, as English law counts it."""

from __future__ import annotations

from datetime import date

__all__ = ["age_on"]


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years completed on ``on``.

    Someone born on 29 February attains each age on 1 March in a common year
    (Family Law Reform Act 1969 s9: the age is reached at the start of the
    anniversary, and a common year has no 29 February).
    """
    if on < date_of_birth:
        raise ValueError("date is before the date of birth")
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years

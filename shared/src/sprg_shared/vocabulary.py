"""What intake accepts and the rules read, in one place: the two import this module, so a
value intake accepts is one the rules can decide on (nothing accepted, then dead-lettered).

- Plausible dates: a fact that happened is not in the future and not before
  ``EARLIEST_DATE``; a date planned ahead is at most ``PLANNING_HORIZON_YEARS`` ahead; a
  child is at most ``MAX_AGE_YEARS`` old on the incident date.
- Codes: the LCSPR factors (reg. 11 and the seed), LCSPR methodologies, the escalation
  stages of the policy, meeting attendance (``attendance_problems``).
- Text that cannot be stored (a lone UTF-16 surrogate) or numbers that are not numbers
  (NaN, infinities) are refused with the field named (``unstorable``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Annotated, Any, Literal, Protocol

from pydantic import AfterValidator

from sprg_shared.calendar import london_today

__all__ = [
    "EARLIEST_DATE",
    "ESCALATION_STAGES",
    "FACTORS",
    "MAX_AGE_YEARS",
    "PLANNING_HORIZON_YEARS",
    "REG11_FACTORS",
    "SEED_FACTORS",
    "Born",
    "Happened",
    "LcsprMethodology",
    "MemberLike",
    "Planned",
    "age_on",
    "attendance_problems",
    "horizon",
    "unstorable",
]

EARLIEST_DATE = date(2000, 1, 1)
"""No fact the partnership records happened before 2000: s16C notifications began in
2018, the oldest open matters (non-recent concerns, care leavers' histories) lie within
this century. A year like 223 or 1900 is a typing error, refused rather than clocked."""

PLANNING_HORIZON_YEARS = 5
"""A due date, a planned publication or a meeting at most 5 years ahead: the longest
cycle the partnership plans (the two-yearly terms-of-reference review; an LCSPR takes
about 6 months). 9999-12-20 is refused here, before the working-day calendar meets it."""

MAX_AGE_YEARS = 30
"""The oldest person any duty here concerns is a care leaver under 25 on the incident
date (DfE/Ofsted notice, CSAB liaison); 30 leaves room for a report to be made and the
rules to answer "not required", while a child "born in 1900" is refused as a typo."""


def horizon(today: date) -> date:
    try:
        return today.replace(year=today.year + PLANNING_HORIZON_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + PLANNING_HORIZON_YEARS, day=28)


def _happened(value: date) -> date:
    if value < EARLIEST_DATE:
        raise ValueError(f"{value} is before {EARLIEST_DATE}: not a plausible date")
    today = london_today()
    if value > today:
        raise ValueError(f"{value} is in the future (today is {today})")
    return value


def _planned(value: date) -> date:
    if value < EARLIEST_DATE:
        raise ValueError(f"{value} is before {EARLIEST_DATE}: not a plausible date")
    latest = horizon(london_today())
    if value > latest:
        raise ValueError(
            f"{value} is more than {PLANNING_HORIZON_YEARS} years ahead (latest {latest})"
        )
    return value


def _born(value: date) -> date:
    earliest = date(EARLIEST_DATE.year - MAX_AGE_YEARS, 1, 1)
    if value < earliest:
        raise ValueError(f"{value} is before {earliest}: not a plausible date of birth")
    today = london_today()
    if value > today:
        raise ValueError(f"{value} is in the future (today is {today})")
    return value


Happened = Annotated[date, AfterValidator(_happened)]
"""A date something happened: from 2000, not after today (Europe/London)."""
Planned = Annotated[date, AfterValidator(_planned)]
"""A date set ahead (due, planned, meeting): from 2000, at most 5 years from today."""
Born = Annotated[date, AfterValidator(_born)]
"""A date of birth: not in the future; how old on the incident date is checked there."""


def age_on(date_of_birth: date, on: date) -> int:
    years = on.year - date_of_birth.year
    return years if (on.month, on.day) >= (date_of_birth.month, date_of_birth.day) else years - 1


# --- LCSPR: the factors the partners weigh (reg. 11 of the 2018 Regulations; the seed) ---

REG11_FACTORS = (
    "improvements_needed",
    "recurrent_themes",
    "agencies_working_together",
    "panel_local_review",
)
SEED_FACTORS = (
    "improvements_previously_identified",
    "single_agency",
    "no_agency_involvement",
    "several_areas",
)
FACTORS = REG11_FACTORS + SEED_FACTORS
"""Every one is recorded, absent ones too: an absence is a finding."""

LcsprMethodology = Literal[
    "systems_review",
    "learning_together",
    "significant_incident_learning_process",
    "appreciative_inquiry",
    "practitioner_learning_event",
    "rapid_review_as_lcspr",
    "other",
]
"""How an LCSPR is carried out: the SPRG chooses (domain.md section 4); ``other`` keeps
the choice open, the rationale says which."""

# --- Escalations: the stages of the Escalation and Resolution Policy --------------------

ESCALATION_STAGES = (1, 2, 3, 4, 5)
"""The stage table of the escalation pack (``escalation.yaml``); a stage outside it has
no response target, so it is refused at the door."""

# --- SPRG meetings: attendance the quoracy rules can read --------------------------------


class MemberLike(Protocol):
    @property
    def attendance(self) -> str: ...
    @property
    def proxy_similar_seniority(self) -> bool | None: ...
    @property
    def apologies_received_date(self) -> date | None: ...


def attendance_problems(
    meeting_date: date, as_of: date, members: Sequence[MemberLike]
) -> Iterator[tuple[str, str]]:
    """(field, what is wrong) for attendance the quoracy rules cannot read: before the
    meeting only expected, apologies or proxies are known; after it, no one is still
    'expected'; a proxy's seniority and apologies' date go exactly with them."""
    held = as_of >= meeting_date
    for index, member in enumerate(members):
        at = f"members.{index}"
        if not held and member.attendance in {"in_person", "absent"}:
            yield (
                f"{at}.attendance",
                f"{member.attendance!r} before the meeting ({meeting_date}): before it, "
                "one of expected, apologies, proxy",
            )
        if held and member.attendance == "expected":
            yield (
                f"{at}.attendance",
                f"still 'expected' for a meeting held on {meeting_date}: one of "
                "in_person, proxy, apologies, absent",
            )
        if (member.attendance == "proxy") != (member.proxy_similar_seniority is not None):
            yield (
                f"{at}.proxy_similar_seniority",
                "give it exactly when a proxy attends (true or false)",
            )
        if (member.attendance == "apologies") != (member.apologies_received_date is not None):
            yield (
                f"{at}.apologies_received_date",
                "give it exactly when apologies were sent",
            )
        received = member.apologies_received_date
        if received is not None and received > as_of:
            yield (f"{at}.apologies_received_date", f"after as_of ({as_of})")


# --- Input that cannot be stored or sent ---------------------------------------------------


def unstorable(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first (field, why) in raw JSON input that cannot be stored or sent: a lone
    surrogate in a string (not encodable as UTF-8), NaN or an infinity."""
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            return path or "body", "contains a character that is not valid text (lone surrogate)"
        return None
    if isinstance(data, float) and not math.isfinite(data):
        return path or "body", "must be a finite number (not NaN or infinity)"
    if isinstance(data, dict):
        for key, value in data.items():
            found = unstorable(key, path) or unstorable(value, f"{path}.{key}" if path else key)
            if found:
                return found
    if isinstance(data, list):
        for index, value in enumerate(data):
            found = unstorable(value, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None

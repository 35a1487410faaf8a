"""The Business Team's worklist: every open duty, the most pressing first.

Order: overdue first (the longest late at the top), then at risk, then the rest, each by
working days remaining and then due date. The counts a Business Manager looks at first
are over the whole list, before any filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sprg_console.domain import words

OPEN_STATES = frozenset({"open", "reminded", "paused", "breached"})


@dataclass(frozen=True)
class WorkItem:
    clock_id: str
    subject_id: str
    subject_reference: str
    subject_url: str
    kind: str
    duty: str
    sentence: str
    agency: str
    owner: str
    due: date
    working_days_remaining: int
    overdue: bool
    at_risk: bool
    paused: bool
    agency_id: str = ""

    @property
    def urgency(self) -> str:
        if self.overdue:
            return "overdue"
        if self.at_risk:
            return "at_risk"
        return "paused" if self.paused else "on_track"

    @property
    def status(self) -> str:
        return {
            "overdue": "Overdue",
            "at_risk": "At risk",
            "paused": "Paused",
            "on_track": "On track",
        }[self.urgency]

    @property
    def remaining_words(self) -> str:
        return words.remaining(self.working_days_remaining, self.overdue)


@dataclass(frozen=True)
class Counts:
    open: int
    overdue: int
    at_risk: int
    due_in_five_days: int


@dataclass(frozen=True)
class Filters:
    urgency: str = ""
    kind: str = ""
    agency: str = ""
    search: str = ""

    def keeps(self, item: WorkItem) -> bool:
        return self.keeps_row(item.urgency, item.kind, item.agency_id, item.subject_reference)

    def keeps_row(self, urgency: str, kind: str, agency_id: str, reference: str) -> bool:
        """``keeps`` on a row's fields, before any ``WorkItem`` is made of it."""
        if self.urgency and urgency != self.urgency:
            return False
        if self.kind and kind != self.kind:
            return False
        if self.agency and agency_id != self.agency:
            return False
        needle = self.search.strip().lower()
        return not needle or needle in reference.lower()

    @property
    def active(self) -> bool:
        return bool(self.urgency or self.kind or self.agency or self.search.strip())


_RANK = {"overdue": 0, "at_risk": 1, "on_track": 2, "paused": 3}


def urgency_of(*, overdue: bool, at_risk: bool, paused: bool) -> str:
    """As ``WorkItem.urgency``, from the clock's own fields."""
    if overdue:
        return "overdue"
    if at_risk:
        return "at_risk"
    return "paused" if paused else "on_track"


def order_key(
    urgency: str, working_days_remaining: int, due: date, subject_id: str, kind: str
) -> tuple[int, int, date, str, str]:
    """The worklist's order: overdue first, then at risk, by working days left, due date."""
    return (_RANK[urgency], working_days_remaining, due, subject_id, kind)


def ordered(items: Iterable[WorkItem]) -> list[WorkItem]:
    return sorted(
        items,
        key=lambda i: order_key(i.urgency, i.working_days_remaining, i.due, i.subject_id, i.kind),
    )


def counts_of(rows: Iterable[tuple[bool, bool, bool, int]]) -> Counts:
    """``counts`` from (overdue, at_risk, paused, working days remaining) of each row."""
    total = overdue = at_risk = soon = 0
    for is_overdue, is_at_risk, paused, remaining in rows:
        total += 1
        if is_overdue:
            overdue += 1
            continue
        if is_at_risk:
            at_risk += 1
        if not paused and 0 <= remaining <= 5:
            soon += 1
    return Counts(open=total, overdue=overdue, at_risk=at_risk, due_in_five_days=soon)


def counts(items: list[WorkItem]) -> Counts:
    return Counts(
        open=len(items),
        overdue=sum(1 for i in items if i.overdue),
        at_risk=sum(1 for i in items if i.at_risk and not i.overdue),
        due_in_five_days=sum(
            1
            for i in items
            if not i.overdue and not i.paused and 0 <= i.working_days_remaining <= 5
        ),
    )

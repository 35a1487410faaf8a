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
        if self.urgency and item.urgency != self.urgency:
            return False
        if self.kind and item.kind != self.kind:
            return False
        if self.agency and item.agency_id != self.agency:
            return False
        needle = self.search.strip().lower()
        return not needle or needle in item.subject_reference.lower()

    @property
    def active(self) -> bool:
        return bool(self.urgency or self.kind or self.agency or self.search.strip())


_RANK = {"overdue": 0, "at_risk": 1, "on_track": 2, "paused": 3}


def ordered(items: Iterable[WorkItem]) -> list[WorkItem]:
    return sorted(
        items,
        key=lambda i: (_RANK[i.urgency], i.working_days_remaining, i.due, i.subject_id, i.kind),
    )


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

"""What the rules service publishes on ``sprg.decisions``: decisions, their reasons and the
clocks they say apply.

Owned by rules; who reads it: ``sprg_shared.topics``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from sprg_shared import topics
from sprg_shared.contracts._base import Part
from sprg_shared.envelope import EventData, event_type

__all__ = [
    "CaseAssessed",
    "ClockDue",
    "Decision",
    "DueBasis",
    "RulepackRef",
    "SubjectDecided",
    "SubjectKind",
]


class RulepackRef(Part):
    id: str
    version: str
    hash: str


class Decision(Part):
    rule: str
    outcome: str
    because: tuple[str, ...]
    source: str


class DueBasis(Part):
    """How a due date is counted from its anchor date: "5 working days after" (awareness),
    "7 working days before" (publication), "6 months after" (commissioning). The rule pack
    writes it once; the scheduler counts the due date again the same way when the calendar
    changes, and never counts a statutory duration of its own."""

    count: int = Field(ge=0)
    unit: Literal["working_days", "months"]
    direction: Literal["after", "before"] = "after"

    def words(self) -> str:
        unit = {"working_days": "working day", "months": "month"}[self.unit]
        return f"{self.count} {unit}{'' if self.count == 1 else 's'} {self.direction}"


class ClockDue(Part):
    """A clock the rules say applies; the scheduler owns it from here."""

    kind: str
    anchor: str
    anchor_date: date
    due: date
    rule: str
    basis: DueBasis | None = Field(
        default=None,
        description="how due was counted from anchor_date (e.g. 5 working days after); none "
        "for a date a person set, and on decisions published before it was carried (the "
        "scheduler then reads it back from the dates on the calendar in force)",
    )
    status: Literal["open", "met", "late"] | None = Field(
        default=None, description="for a clock a fact stops: whether that fact came in time"
    )
    met_on: date | None = Field(
        default=None,
        description="for a clock a fact stops (status met or late): the day that fact happened",
    )


@event_type("sprg.case.assessed.v1", topics.DECISIONS)
class CaseAssessed(EventData):
    case_id: str
    reference: str | None = Field(
        default=None, description="the case's reference people were given (SIN-2026-...)"
    )
    trigger_event_id: str
    rulepack: RulepackRef
    panel_notification_required: bool
    panel_notification_subsection: Literal["a", "b"] | None
    notifying_area: Literal["this_area", "other_area"] | None
    rapid_review_required: bool
    dfe_ofsted_reasons: tuple[str, ...]
    csab_liaison_required: bool
    clocks: tuple[ClockDue, ...]
    decisions: tuple[Decision, ...]


SubjectKind = Literal[
    "lcspr_decision", "case_of_concern", "escalation", "meeting", "lcspr_publication"
]


@event_type("sprg.subject.decided.v1", topics.DECISIONS)
class SubjectDecided(EventData):
    """The rules' decision on a matter beyond the incident (domain.md sections 4-8).

    ``subject_id`` is the case, Case of Concern, escalation or meeting the facts were about;
    ``answer`` is the kind's summary (for example the LCSPR recommendation, the Case of
    Concern's route, whether a meeting is or will be quorate), with reasons in ``decisions``.
    """

    kind: SubjectKind
    subject_id: str
    case_id: str | None = None
    reference: str | None = Field(
        default=None, description="how people know the matter (SIN-..., COC-..., ESC-..., a date)"
    )
    about: dict[str, object] = Field(
        default_factory=dict,
        description="what people need to act on the decision (stages, agencies, dates): "
        "codes and dates only, never personal data",
    )
    trigger_event_id: str
    rulepack: RulepackRef
    answer: dict[str, object]
    clocks: tuple[ClockDue, ...]
    decisions: tuple[Decision, ...]

    def subject(self) -> str:
        return self.subject_id

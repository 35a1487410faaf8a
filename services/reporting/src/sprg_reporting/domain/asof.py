"""The read models as they stood on a day: only entries that had happened and were known by then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

Document = dict[str, Any]

# Within one day, later steps of a process sort after earlier ones.
_ORDER = (
    "referred",
    "triage_pending",
    "advice_given",
    "listed",
    "approach_agreed",
    "awaiting_meeting",
    "held",
    "sent_to_panel",
    "decided_no_lcspr",
    "decided_commission",
    "closed_not_met",
    "stage_1",
    "stage_2",
    "stage_3",
    "stage_4",
    "stage_5",
    "stage_6",
    "stage_7",
    "stage_8",
    "stage_9",
    "resolved",
    "commissioned",
    "reviewer_appointed",
    "started",
    "draft_received",
    "final_report_received",
    "sent_to_panel_and_secretary_of_state",
    "publication_planned",
    "published",
    "not_published_improvements_published",
    # clocks and actions
    "open",
    "recalculated",
    "reminded",
    "paused",
    "resumed",
    "breached",
    "met",
    "met_late",
    "stopped",
    "closed",
    "done",
    "dropped",
)
_RANK = {name: i for i, name in enumerate(_ORDER)}

CLOSED_REVIEW = {
    "closed_not_met",
    "decided_no_lcspr",
    "decided_commission",
    "advice_given",
    "resolved",
    "published",
    "not_published_improvements_published",
}
# A paused clock is still open (shown as paused) but never overdue: it is not counting.
OPEN_CLOCK = {"open", "breached", "paused"}
COUNTING_CLOCK = {"open", "breached"}
FINAL_CLOCK = {"met", "met_late", "closed"}
_CLOCK_STATES = {"open", "breached", "met", "met_late", "stopped", "closed", "paused", "resumed"}


def rank(status: str) -> int:
    return _RANK.get(status.split(":", 1)[0], len(_ORDER))


def known(entries: list[Document] | None, cutoff: date) -> list[Document]:
    """Entries that happened and were known by ``cutoff``, in the order they happened."""
    day = cutoff.isoformat()
    kept = [e for e in entries or [] if e["date"] <= day and e["known"] <= day]
    return sorted(
        kept, key=lambda e: (e["date"], rank(str(e.get("status", e.get("state", "")))), e["known"])
    )


@dataclass(frozen=True)
class ReviewState:
    key: str
    review_type: str
    name: str
    opened: date
    status: str
    since: date
    tags: tuple[str, ...]
    agencies: tuple[str, ...]
    age_bands: tuple[str, ...]
    history: tuple[tuple[date, str], ...]
    factors: tuple[str, ...] = ()  # LCSPR factor codes found present, as last recorded
    panel_copy_sent: date | None = None  # a Rapid Review's copy to the Panel, when sent

    @property
    def closed(self) -> bool:
        return self.status.split(":", 1)[0] in CLOSED_REVIEW


def review_state(doc: Document, cases: dict[str, Document], cutoff: date) -> ReviewState | None:
    history: list[tuple[date, str]] = []
    for e in known(doc.get("history"), cutoff):
        step = (date.fromisoformat(e["date"]), str(e["status"]))
        if step not in history:
            history.append(step)
    if doc.get("review_type") == "escalation":
        formal = [d for d, s in history if s.startswith("stage_") and int(s[6:]) >= 3]
        opened = formal[0] if formal else None
    else:
        opened = history[0][0] if history else None
    if opened is None:
        return None
    case = cases.get(str(doc.get("case_id")), {})
    case_known = case.get("known", "9999") <= cutoff.isoformat()
    agencies = {a["agency"] for a in doc.get("agencies", []) if a["known"] <= cutoff.isoformat()}
    if case_known and case.get("reporting_agency"):
        agencies.add(case["reporting_agency"])
    tags = known(doc.get("tags"), cutoff)
    factors = known(doc.get("factors"), cutoff)
    last_date, last_status = history[-1]
    return ReviewState(
        key=str(doc["_id"]),
        review_type=str(doc["review_type"]),
        name=str(
            (case_known and case.get("reference")) or doc.get("reference") or doc["subject_id"]
        ),
        opened=opened,
        status=last_status,
        since=last_date,
        tags=tuple(tags[-1]["tags"]) if tags else (),
        agencies=tuple(sorted(agencies)),
        age_bands=tuple(case.get("age_bands", ())) if case_known else (),
        history=tuple(history),
        factors=tuple(factors[-1]["factors"]) if factors else (),
        panel_copy_sent=next(
            (date.fromisoformat(e["date"]) for e in known(doc.get("panel_copy"), cutoff)), None
        ),
    )


@dataclass(frozen=True)
class ClockState:
    clock_id: str
    case_id: str
    kind: str
    started: date
    due: date
    state: str
    breached_on: date | None

    def overdue(self, cutoff: date) -> bool:
        return self.state in COUNTING_CLOCK and self.due < cutoff


def clock_state(doc: Document, cutoff: date) -> ClockState | None:
    entries = known(doc.get("history"), cutoff)
    states = [e for e in entries if e["state"] in _CLOCK_STATES]
    if not states or "kind" not in doc:
        return None
    # Met or closed is final, whatever was recorded after it about an earlier day (a duty
    # recorded after the fact: met on a past date, breached and recalculated since).
    final = [e for e in states if e["state"] in FINAL_CLOCK]
    last = final[-1] if final else states[-1]
    return ClockState(
        clock_id=str(doc["_id"]),
        case_id=str(doc["case_id"]),
        kind=str(doc["kind"]),
        started=date.fromisoformat(states[0]["date"]),
        due=date.fromisoformat((last if final else entries[-1])["due"]),
        # Resumed, it counts again towards the due date its resumption moved it to.
        state="open" if last["state"] == "resumed" else str(last["state"]),
        breached_on=next(
            (date.fromisoformat(e["date"]) for e in states if e["state"] == "breached"), None
        ),
    )


@dataclass(frozen=True)
class ActionState:
    action_id: str
    source_id: str
    owner_agency: str
    owner_role: str
    due: date
    status: str
    since: date

    def overdue(self, cutoff: date) -> bool:
        return self.status == "open" and self.due < cutoff


def action_state(doc: Document, cutoff: date) -> ActionState | None:
    entries = known(doc.get("history"), cutoff)
    if not entries or "owner_agency" not in doc:
        return None
    last = entries[-1]
    return ActionState(
        action_id=str(doc["_id"]),
        source_id=str(doc["source_id"]),
        owner_agency=str(doc["owner_agency"]),
        owner_role=str(doc["owner_role"]),
        due=date.fromisoformat(last["due"]),
        status=str(last["status"]),
        since=date.fromisoformat(last["date"]),
    )


@dataclass(frozen=True)
class LearningState:
    learning_id: str
    source_id: str
    shared: date
    audiences: tuple[str, ...]
    impact_reported: bool


def learning_state(doc: Document, cutoff: date) -> LearningState | None:
    entries = known(doc.get("history"), cutoff)
    if not entries or "source_id" not in doc:
        return None
    return LearningState(
        learning_id=str(doc["_id"]),
        source_id=str(doc["source_id"]),
        shared=date.fromisoformat(entries[0]["date"]),
        audiences=tuple(doc.get("audiences", ())),
        impact_reported=any(e["impact_reported"] for e in entries),
    )


def return_outcome(doc: Document, cutoff: date) -> str | None:
    """``on_time``, ``late`` or ``awaited`` as of ``cutoff`` (None: not yet requested)."""
    day = cutoff.isoformat()
    if "due_date" not in doc or doc["known"] > day or doc["requested_date"] > day:
        return None
    received = doc.get("received_date")
    if received is not None and received <= day and doc.get("received_known", day) <= day:
        return "on_time" if received <= doc["due_date"] else "late"
    return "late" if doc["due_date"] < day else "awaited"


@dataclass(frozen=True)
class MeetingState:
    meeting_id: str
    meeting_date: date
    chair_partner: str
    unrepresented: tuple[str, ...] | None  # None: no attendance recorded yet

    def quorate(self) -> bool | None:
        return None if self.unrepresented is None else not self.unrepresented


def meeting_state(doc: Document, cutoff: date) -> MeetingState | None:
    if "known" not in doc or doc["known"] > cutoff.isoformat():
        return None
    entries = known(doc.get("attendance"), cutoff)
    return MeetingState(
        meeting_id=str(doc["_id"]),
        meeting_date=date.fromisoformat(doc["meeting_date"]),
        chair_partner=str(doc.get("chair_partner", "")),
        unrepresented=tuple(entries[-1]["unrepresented"]) if entries else None,
    )

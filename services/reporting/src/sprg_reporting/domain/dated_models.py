"""How each event changes the dated read models the reports are computed from.

A change sets a document's fixed attributes and adds dated entries to its histories
(``$set`` and ``$addToSet``), so applying an event twice, or again after a crash before
the ledger recorded it, leaves the same state. Every entry carries ``date`` (when it
happened) and ``known`` (the day the event reached the bus): a past period's report
reads only the entries known by its end, so it can be produced again as it stood.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sprg_shared.contracts.clocks import (
    ClockBreached,
    ClockMet,
    ClockPaused,
    ClockRecalculated,
    ClockReminderDue,
    ClockResumed,
    ClockStarted,
    ClockStopped,
)
from sprg_shared.contracts.decisions import CaseAssessed, SubjectDecided
from sprg_shared.contracts.intake import (
    ActionRecorded,
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    CaseTagged,
    ChildFacts,
    EscalationRecorded,
    IncidentCorrected,
    IncidentReported,
    InformationRequested,
    LcsprDecided,
    LcsprFactorsRecorded,
    LcsprProgressed,
    LcsprPublicationRecorded,
    LearningShared,
    MeetingAttendanceRecorded,
    MeetingScheduled,
    RapidReviewClosed,
    RapidReviewHeld,
    RapidReviewSentToPanel,
    ReturnReceived,
    SinSubmitted,
)
from sprg_shared.contracts.notifications import NotificationSent

Document = dict[str, Any]

CASES = "cases"
REVIEWS = "reviews"
CLOCKS = "clocks"
ACTIONS = "actions"
MEETINGS = "meetings"
LEARNING = "learning"
RETURNS = "returns"
DECISIONS = "decisions"
NOTIFICATIONS = "notifications"
COLLECTIONS = (
    CASES,
    REVIEWS,
    CLOCKS,
    ACTIONS,
    MEETINGS,
    LEARNING,
    RETURNS,
    DECISIONS,
    NOTIFICATIONS,
)


@dataclass(frozen=True)
class Meta:
    """What the envelope says about an event: its id and the day it was published."""

    event_id: str
    known: date


@dataclass(frozen=True)
class Change:
    collection: str
    key: str
    set: Document = field(default_factory=dict)
    add: dict[str, list[Document]] = field(default_factory=dict)


def review_key(review_type: str, subject_id: str) -> str:
    return f"{review_type}:{subject_id}"


def age_band(age: int) -> str:
    for upper, band in ((1, "under 1"), (5, "1-4"), (11, "5-10"), (16, "11-15"), (18, "16-17")):
        if age < upper:
            return band
    return "18 and over"


def _bands(children: Sequence[ChildFacts]) -> list[str]:
    return [age_band(c.age_years) for c in children]


def _entry(when: date, known: date, **fields: Any) -> Document:
    return {"date": when.isoformat(), "known": known.isoformat(), **fields}


def _review(
    review_type: str,
    subject_id: str,
    meta: Meta,
    *,
    status: tuple[date, str] | None = None,
    agencies: Sequence[str] = (),
    **attrs: Any,
) -> Change:
    add: dict[str, list[Document]] = {}
    if status is not None:
        add["history"] = [_entry(status[0], meta.known, status=status[1])]
    if agencies:
        add["agencies"] = [{"known": meta.known.isoformat(), "agency": a} for a in agencies]
    return Change(
        REVIEWS,
        review_key(review_type, subject_id),
        set={"review_type": review_type, "subject_id": subject_id, **attrs},
        add=add,
    )


def incident_reported(e: IncidentReported, meta: Meta) -> list[Change]:
    return [
        Change(
            CASES,
            e.case_id,
            set={
                "reference": e.reference,
                "reporting_agency": e.reporting_agency,
                "aware_date": e.aware_date.isoformat(),
                "incident_kind": e.incident.kind,
                "age_bands": _bands(e.children),
                "known": meta.known.isoformat(),
            },
        )
    ]


def incident_corrected(e: IncidentCorrected, meta: Meta) -> list[Change]:
    return [
        Change(
            CASES,
            e.case_id,
            set={
                "aware_date": e.aware_date.isoformat(),
                "incident_kind": e.incident.kind,
                "age_bands": _bands(e.children),
            },
        )
    ]


def sin_submitted(e: SinSubmitted, meta: Meta) -> list[Change]:
    return [Change(CASES, e.case_id, set={"sin_submitted_date": e.submitted_date.isoformat()})]


def case_assessed(e: CaseAssessed, meta: Meta) -> list[Change]:
    changes = [
        Change(
            DECISIONS,
            meta.event_id,
            set={"kind": "case_assessed", "subject_id": e.case_id, "date": meta.known.isoformat()},
        )
    ]
    if e.rapid_review_required:
        # Awaiting its meeting since awareness (the conservative clock's anchor), so a later
        # assessment (a submission, a correction) does not put a held review back.
        aware = [c.anchor_date for c in e.clocks if c.kind == "rapid_review_conservative"]
        changes.append(
            _review(
                "rapid_review",
                e.case_id,
                meta,
                status=(min([meta.known, *aware]), "awaiting_meeting"),
                case_id=e.case_id,
            )
        )
    return changes


def subject_decided(e: SubjectDecided, meta: Meta) -> list[Change]:
    return [
        Change(
            DECISIONS,
            meta.event_id,
            set={"kind": e.kind, "subject_id": e.subject_id, "date": meta.known.isoformat()},
        )
    ]


def _clock(clock_id: str, when: date, meta: Meta, state: str, due: date) -> Change:
    return Change(
        CLOCKS,
        clock_id,
        add={"history": [_entry(when, meta.known, state=state, due=due.isoformat())]},
    )


def clock_started(e: ClockStarted, meta: Meta) -> list[Change]:
    # Open from its anchor when that is earlier (a duty recorded after the fact): a clock
    # met on a past date must not read as opened after it was met.
    change = _clock(e.clock_id, min(meta.known, e.anchor_date), meta, "open", e.due)
    return [
        Change(
            CLOCKS,
            e.clock_id,
            set={"case_id": e.case_id, "kind": e.kind, "anchor_date": e.anchor_date.isoformat()},
            add=change.add,
        )
    ]


def clock_reminded(e: ClockReminderDue, meta: Meta) -> list[Change]:
    return [_clock(e.clock_id, e.remind_at.date(), meta, "reminded", e.due)]


def clock_breached(e: ClockBreached, meta: Meta) -> list[Change]:
    return [_clock(e.clock_id, e.breached_at.date(), meta, "breached", e.due)]


def clock_met(e: ClockMet, meta: Meta) -> list[Change]:
    return [_clock(e.clock_id, e.met_on, meta, "met_late" if e.late else "met", e.due)]


def clock_stopped(e: ClockStopped, meta: Meta) -> list[Change]:
    return [_clock(e.clock_id, meta.known, meta, e.outcome, e.due)]


def clock_recalculated(e: ClockRecalculated, meta: Meta) -> list[Change]:
    return [_clock(e.clock_id, meta.known, meta, "recalculated", e.due)]


def clock_paused(e: ClockPaused, meta: Meta) -> list[Change]:
    return [_clock(e.clock_id, e.paused_on, meta, "paused", e.due)]


def clock_resumed(e: ClockResumed, meta: Meta) -> list[Change]:
    """Counting again, towards the due date moved on by the working days it was paused."""
    return [_clock(e.clock_id, e.resumed_on, meta, "resumed", e.due)]


def notification_sent(e: NotificationSent, meta: Meta) -> list[Change]:
    return [
        Change(
            NOTIFICATIONS,
            e.notification_id,
            set={
                "template": e.template,
                "channel": e.channel,
                "role": e.recipient_role,
                "status": e.status,
                "date": meta.known.isoformat(),
            },
        )
    ]


def case_tagged(e: CaseTagged, meta: Meta) -> list[Change]:
    change = _review(e.review_type, e.subject_id, meta)
    entry = _entry(e.tagged_at.date(), meta.known, tags=sorted(set(e.tags)))
    return [Change(change.collection, change.key, set=change.set, add={"tags": [entry]})]


def coc_referred(e: CaseOfConcernReferred, meta: Meta) -> list[Change]:
    agencies = sorted({e.referring_agency, *e.agencies_involved})
    return [
        _review(
            "case_of_concern",
            e.coc_id,
            meta,
            status=(e.referred_date, "referred"),
            agencies=agencies,
            reference=e.reference,
        )
    ]


def coc_triaged(e: CaseOfConcernTriaged, meta: Meta) -> list[Change]:
    if e.approach is not None:
        status = f"approach_agreed:{e.approach}"
    elif e.triage == "list_for_meeting":
        status = f"listed:{e.meeting or 'sprg'}"
    else:
        status = {"pending": "triage_pending", "advice": "advice_given"}[e.triage]
    return [_review("case_of_concern", e.coc_id, meta, status=(e.triaged_date, status))]


def escalation_recorded(e: EscalationRecorded, meta: Meta) -> list[Change]:
    entries = [_entry(s.started_date, meta.known, status=f"stage_{s.stage}") for s in e.history]
    if e.resolved_date is not None:
        entries.append(_entry(e.resolved_date, meta.known, status="resolved"))
    agencies = sorted({e.raised_by_agency, e.with_agency})
    change = _review("escalation", e.escalation_id, meta, agencies=agencies, reference=e.reference)
    return [Change(REVIEWS, change.key, set=change.set, add={**change.add, "history": entries})]


def information_requested(e: InformationRequested, meta: Meta) -> list[Change]:
    return [
        Change(
            RETURNS,
            e.request_id,
            set={
                "case_id": e.case_id,
                "agency": e.agency,
                "kind": e.kind,
                "requested_date": e.requested_date.isoformat(),
                "due_date": e.due_date.isoformat(),
                "known": meta.known.isoformat(),
            },
        ),
        _review("rapid_review", e.case_id, meta, agencies=[e.agency], case_id=e.case_id),
    ]


def return_received(e: ReturnReceived, meta: Meta) -> list[Change]:
    return [
        Change(
            RETURNS,
            e.request_id,
            set={
                "received_date": e.received_date.isoformat(),
                "received_known": meta.known.isoformat(),
            },
        )
    ]


def rapid_review_held(e: RapidReviewHeld, meta: Meta) -> list[Change]:
    return [_review("rapid_review", e.case_id, meta, status=(e.held_date, "held"))]


def rapid_review_sent(e: RapidReviewSentToPanel, meta: Meta) -> list[Change]:
    """The copy to the Panel is its own duty with its own state: it does not replace the
    review's progress (held, then the LCSPR decision)."""
    change = _review("rapid_review", e.case_id, meta, case_id=e.case_id)
    entry = _entry(e.sent_date, meta.known, sent=True)
    return [Change(REVIEWS, change.key, set=change.set, add={"panel_copy": [entry]})]


def rapid_review_closed(e: RapidReviewClosed, meta: Meta) -> list[Change]:
    return [_review("rapid_review", e.case_id, meta, status=(e.closed_date, "closed_not_met"))]


def lcspr_decided(e: LcsprDecided, meta: Meta) -> list[Change]:
    decided = "decided_commission" if e.decision == "commission" else "decided_no_lcspr"
    changes = [_review("rapid_review", e.case_id, meta, status=(e.decided_date, decided))]
    if e.decision == "commission":
        changes.append(
            _review(
                "lcspr",
                e.case_id,
                meta,
                status=(e.decided_date, "commissioned"),
                case_id=e.case_id,
                methodology=e.methodology,
            )
        )
    return changes


def lcspr_factors(e: LcsprFactorsRecorded, meta: Meta) -> list[Change]:
    """The factor codes weighed for an LCSPR that were present (codes only; the partners'
    explanations stay in intake): features of the review for the themes table."""
    present = sorted(code for code, factor in e.factors.items() if factor.present)
    entry = _entry(e.recorded_at.date(), meta.known, factors=present)
    change = _review("rapid_review", e.case_id, meta, case_id=e.case_id)
    return [Change(REVIEWS, change.key, set=change.set, add={"factors": [entry]})]


def lcspr_progressed(e: LcsprProgressed, meta: Meta) -> list[Change]:
    return [_review("lcspr", e.case_id, meta, status=(e.milestone_date, e.milestone))]


def lcspr_publication(e: LcsprPublicationRecorded, meta: Meta) -> list[Change]:
    if e.published_date is not None:
        status = (e.published_date, "published")
    elif e.not_publishing:
        status = (meta.known, "not_published_improvements_published")
    else:
        status = (meta.known, "publication_planned")
    return [_review("lcspr", e.case_id, meta, status=status, agencies=sorted(set(e.agencies)))]


def meeting_scheduled(e: MeetingScheduled, meta: Meta) -> list[Change]:
    return [
        Change(
            MEETINGS,
            e.meeting_id,
            set={
                "meeting_date": e.meeting_date.isoformat(),
                "chair_partner": e.chair_partner,
                "known": meta.known.isoformat(),
            },
        )
    ]


PARTNERS = ("csc", "icb", "police")


def unrepresented(e: MeetingAttendanceRecorded) -> list[str]:
    """The statutory partners with nobody there in person or by a proxy of similar seniority."""
    present = {
        m.partner
        for m in e.members
        if m.partner is not None
        and (
            m.attendance == "in_person"
            or (m.attendance == "proxy" and m.proxy_similar_seniority is not False)
            or (m.attendance == "expected" and e.as_of < e.meeting_date)
        )
    }
    return [p for p in PARTNERS if p not in present]


def meeting_attendance(e: MeetingAttendanceRecorded, meta: Meta) -> list[Change]:
    entry = _entry(e.as_of, meta.known, unrepresented=unrepresented(e))
    return [
        Change(
            MEETINGS,
            e.meeting_id,
            set={"meeting_date": e.meeting_date.isoformat()},
            add={"attendance": [entry]},
        )
    ]


def action_recorded(e: ActionRecorded, meta: Meta) -> list[Change]:
    entry = _entry(e.updated_date, meta.known, status=e.status, due=e.due_date.isoformat())
    return [
        Change(
            ACTIONS,
            e.action_id,
            set={
                "source_id": e.source_id,
                "owner_agency": e.owner_agency,
                "owner_role": e.owner_role,
            },
            add={"history": [entry]},
        )
    ]


def learning_shared(e: LearningShared, meta: Meta) -> list[Change]:
    entry = _entry(e.shared_date, meta.known, impact_reported=e.impact_reported)
    return [
        Change(
            LEARNING,
            e.learning_id,
            set={"source_id": e.source_id, "audiences": sorted(set(e.audiences))},
            add={"history": [entry]},
        )
    ]


FOLDS: dict[type[Any], Callable[[Any, Meta], list[Change]]] = {
    IncidentReported: incident_reported,
    IncidentCorrected: incident_corrected,
    SinSubmitted: sin_submitted,
    CaseAssessed: case_assessed,
    SubjectDecided: subject_decided,
    ClockStarted: clock_started,
    ClockReminderDue: clock_reminded,
    ClockBreached: clock_breached,
    ClockMet: clock_met,
    ClockStopped: clock_stopped,
    ClockRecalculated: clock_recalculated,
    ClockPaused: clock_paused,
    ClockResumed: clock_resumed,
    NotificationSent: notification_sent,
    CaseTagged: case_tagged,
    CaseOfConcernReferred: coc_referred,
    CaseOfConcernTriaged: coc_triaged,
    EscalationRecorded: escalation_recorded,
    InformationRequested: information_requested,
    ReturnReceived: return_received,
    RapidReviewHeld: rapid_review_held,
    RapidReviewSentToPanel: rapid_review_sent,
    RapidReviewClosed: rapid_review_closed,
    LcsprFactorsRecorded: lcspr_factors,
    LcsprDecided: lcspr_decided,
    LcsprProgressed: lcspr_progressed,
    LcsprPublicationRecorded: lcspr_publication,
    MeetingScheduled: meeting_scheduled,
    MeetingAttendanceRecorded: meeting_attendance,
    ActionRecorded: action_recorded,
    LearningShared: learning_shared,
}


def apply_in_memory(state: dict[str, dict[str, Document]], changes: Sequence[Change]) -> None:
    """The store's ``$set`` + ``$addToSet`` upsert, on dicts: the fake the unit tests use."""
    for change in changes:
        doc = state.setdefault(change.collection, {}).setdefault(change.key, {"_id": change.key})
        doc.update(change.set)
        for name, entries in change.add.items():
            current = doc.setdefault(name, [])
            current.extend(e for e in entries if e not in current)

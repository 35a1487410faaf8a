"""What happens when facts arrive: the pack decides, the decision is stored and published."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from sprg_rules.adapters.ports import DecisionStore, SubjectStore
from sprg_rules.domain import from_events
from sprg_rules.domain.assess import to_contract
from sprg_rules.domain.decide import Decided
from sprg_rules.domain.evaluate import DueDate, Evaluation
from sprg_rules.domain.facts import CaseFacts, ChildFacts, Event
from sprg_rules.domain.parsing import InputError
from sprg_shared.bus import PermanentError
from sprg_shared.contracts.decisions import (
    CaseAssessed,
    ClockDue,
    Decision,
    RulepackRef,
    SubjectDecided,
    SubjectKind,
)
from sprg_shared.contracts.intake import (
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    EscalationRecorded,
    IncidentCorrected,
    IncidentReported,
    LcsprDecided,
    LcsprFactorsRecorded,
    LcsprPublicationRecorded,
    MeetingAttendanceRecorded,
    RapidReviewClosed,
    SinSubmitted,
)
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.ids import stable_id
from sprg_shared.references import meeting_reference
from sprg_shared.tracing import child_traceparent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RulesDeps:
    evaluate: Callable[[CaseFacts], Evaluation]
    repo: DecisionStore
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    # Decides a matter beyond an incident with the kind's pack in force (decide.py).
    decide_subject: Callable[[str, dict[str, Any]], Decided]
    subjects: SubjectStore
    record: Callable[[Evaluation], None] = lambda _result: None
    """Counts the decision in the service's metrics."""


def facts_from(event: IncidentReported) -> CaseFacts:
    """The rules' view of a reported incident: derived facts only, as they came on the bus."""
    return CaseFacts(
        aware_date=event.aware_date,
        event=Event.model_validate(event.incident.model_dump()),
        children=tuple(
            ChildFacts(
                age_years=child.age_years,
                looked_after=child.looked_after,
                care_leaver=child.care_leaver,
                normally_resident_in_area=child.normally_resident_in_area,
            )
            for child in event.children
        ),
    )


def case_assessed(
    case_id: str, trigger: str, result: Evaluation, reference: str | None = None
) -> CaseAssessed:
    contract: dict[str, Any] = to_contract(case_id, result)
    panel = contract["panel_notification"]
    return CaseAssessed(
        case_id=case_id,
        reference=reference,
        trigger_event_id=trigger,
        rulepack=RulepackRef(id=result.pack_id, version=result.pack_version, hash=result.pack_hash),
        panel_notification_required=panel["required"],
        panel_notification_subsection=panel["subsection"],
        notifying_area=panel["notifying_area"],
        rapid_review_required=contract["rapid_review"]["required"],
        dfe_ofsted_reasons=tuple(contract["dfe_ofsted_notification"]["reasons"]),
        csab_liaison_required=contract["csab_liaison"]["required"],
        clocks=clocks_due(result.clocks),
        decisions=tuple(Decision.model_validate(d.model_dump()) for d in result.decisions),
    )


CLOSURE_RULE = "closure.criteria_not_met"
CLOSURE_SOURCE = (
    "Working Together to Safeguard Children 2023, chapter 5 (a Rapid Review is closed, with "
    "its rationale, when the SIN is found not to meet the notification criteria)"
)


def superseded_by_closure(assessed: CaseAssessed, closed_on: date) -> CaseAssessed:
    """The case's current decision once the partners found the SIN criteria not met.

    The statutory evaluation of the facts as reported is unchanged (and kept in the
    history: the earlier decisions stay stored); what is current is the closure, which
    supersedes the notification decision: no Panel notification is outstanding, and an
    SIN clock not yet met is no longer listed (the scheduler closes it with the reason).
    """
    notified = [d for d in assessed.decisions if d.outcome == "panel_notification_required"]
    if not notified:
        return assessed
    closure = Decision(
        rule=CLOSURE_RULE,
        outcome="criteria_not_met",
        because=(
            f"found on {closed_on} not to meet the notification criteria: the Rapid Review "
            "closed (the partners' rationale is recorded with the case in intake)",
            *(
                f"supersedes {d.rule} ({d.outcome.replace('_', ' ')}), kept in the case's history"
                for d in notified
            ),
        ),
        source=CLOSURE_SOURCE,
    )
    return assessed.model_copy(
        update={
            "panel_notification_required": False,
            "panel_notification_subsection": None,
            "notifying_area": None,
            "decisions": (
                closure,
                *(d for d in assessed.decisions if d.outcome != "panel_notification_required"),
            ),
            "clocks": tuple(
                c
                for c in assessed.clocks
                if c.kind != "sin_notification" or c.status in {"met", "late"}
            ),
        }
    )


def clocks_due(clocks: dict[str, DueDate]) -> tuple[ClockDue, ...]:
    return tuple(
        ClockDue(
            kind=kind,
            anchor=clock.anchor,
            anchor_date=clock.anchor_date,
            due=clock.due,
            rule=clock.rule,
            status=clock.status,
            met_on=clock.met_on,
            basis=clock.basis,
        )
        for kind, clock in sorted(clocks.items())
    )


async def on_incident_reported(
    event: IncidentReported, envelope: Envelope, deps: RulesDeps
) -> None:
    await _decide(event.case_id, facts_from(event), envelope, deps, reference=event.reference)


async def on_sin_submitted(event: SinSubmitted, envelope: Envelope, deps: RulesDeps) -> None:
    """The notification went to the Panel: the SIN clock is met or late, and the Rapid
    Review clock re-anchors on the submission (per the pack's setting)."""
    stored = await deps.repo.facts_of(event.case_id)
    if stored is None:
        raise PermanentError(f"SIN submitted for case {event.case_id}, which was never reported")
    facts = CaseFacts.model_validate({**stored, "sin_submitted_date": event.submitted_date})
    await _decide(event.case_id, facts, envelope, deps)


async def _stored_facts(case_id: str, about: str, deps: RulesDeps) -> dict[str, Any]:
    stored = await deps.repo.facts_of(case_id)
    if stored is None:
        raise PermanentError(f"{about} for case {case_id}, which was never reported")
    return stored


def _case_facts(facts: dict[str, Any], about: str) -> CaseFacts:
    try:
        return CaseFacts.model_validate(facts)
    except ValidationError as exc:
        raise PermanentError(f"{about}: the case's facts are not valid: {exc}") from exc


async def on_incident_corrected(
    event: IncidentCorrected, envelope: Envelope, deps: RulesDeps
) -> None:
    """A corrected fact: decide again from the facts as they now stand (the scheduler
    recalculates every clock whose due date moves, keeping the old one in its history)."""
    stored = await deps.repo.facts_of(event.case_id)
    facts = _case_facts(from_events.corrected_case(stored, event), "correction")
    await _decide(event.case_id, facts, envelope, deps)


async def on_rapid_review_closed(
    event: RapidReviewClosed, envelope: Envelope, deps: RulesDeps
) -> None:
    """The SIN was found not to meet the criteria: the Rapid Review closes."""
    stored = await _stored_facts(event.case_id, "Rapid Review closed", deps)
    facts = _case_facts(from_events.closed_case(stored, event), "closure")
    await _decide(event.case_id, facts, envelope, deps)


async def on_lcspr_decided(event: LcsprDecided, envelope: Envelope, deps: RulesDeps) -> None:
    """An LCSPR commissioned: the 6-month completion clock starts from the decision."""
    stored = await _stored_facts(event.case_id, "LCSPR decided", deps)
    changed = from_events.lcspr_case(stored, event)
    if changed is not None:
        await _decide(event.case_id, _case_facts(changed, "LCSPR decision"), envelope, deps)


@dataclass(frozen=True)
class SubjectFact:
    """How one of intake's facts about a matter is read: which matter (kind and id), which
    part of its facts, the case it belongs to, how people know it (``reference``: from the
    event; ``case_reference``: the case's, from its decisions) and what they need to act."""

    kind: SubjectKind
    part: str
    subject_id: Callable[[Any], str]
    facts: Callable[[Any], dict[str, Any]]
    case_id: Callable[[Any], str | None] = lambda _event: None
    reference: Callable[[Any], str | None] = lambda _event: None
    case_reference: bool = False
    about: Callable[[Any], dict[str, Any] | None] = lambda _event: None


SUBJECT_FACTS: dict[type[EventData], SubjectFact] = {
    LcsprPublicationRecorded: SubjectFact(
        "lcspr_publication",
        "publication",
        subject_id=lambda e: e.case_id,
        facts=from_events.publication,
        case_id=lambda e: e.case_id,
        case_reference=True,
        about=from_events.publication_about,
    ),
    LcsprFactorsRecorded: SubjectFact(
        "lcspr_decision",
        "factors",
        subject_id=lambda e: e.case_id,
        facts=from_events.lcspr_decision,
        case_id=lambda e: e.case_id,
        case_reference=True,
    ),
    CaseOfConcernReferred: SubjectFact(
        "case_of_concern",
        "referral",
        subject_id=lambda e: e.coc_id,
        facts=lambda e: from_events.coc_referral(e, None),
        reference=lambda e: e.reference,
        about=lambda e: {
            "referring_agency": e.referring_agency,
            "agencies_involved": list(e.agencies_involved),
        },
    ),
    CaseOfConcernTriaged: SubjectFact(
        "case_of_concern", "triage", subject_id=lambda e: e.coc_id, facts=from_events.coc_triage
    ),
    EscalationRecorded: SubjectFact(
        "escalation",
        "escalation",
        subject_id=lambda e: e.escalation_id,
        facts=from_events.escalation,
        reference=lambda e: e.reference,
        about=from_events.escalation_about,
    ),
    MeetingAttendanceRecorded: SubjectFact(
        "meeting",
        "attendance",
        subject_id=lambda e: e.meeting_id,
        facts=from_events.meeting,
        reference=lambda e: meeting_reference(e.meeting_date),
        about=lambda e: {"meeting_date": e.meeting_date.isoformat()},
    ),
}


async def on_subject_fact(event: EventData, envelope: Envelope, deps: RulesDeps) -> None:
    """The one handler of a matter's facts (``SUBJECT_FACTS`` says how each is read)."""
    read = SUBJECT_FACTS[type(event)]
    facts = read.facts(event)
    case_id = read.case_id(event)
    if read.case_reference and case_id is not None:
        reference = await deps.repo.reference_of(case_id)
    else:
        reference = read.reference(event)
    await _decide_subject(
        read.kind,
        read.subject_id(event),
        case_id,
        read.part,
        facts,
        envelope,
        deps,
        reference=reference,
        about=read.about(event),
    )


async def on_publication_recorded(
    event: LcsprPublicationRecorded, envelope: Envelope, deps: RulesDeps
) -> None:
    """The publication duty (who must be told) and, with a planned date, the
    pre-publication clock (7 working days before it) on the case."""
    await on_subject_fact(event, envelope, deps)
    stored = await deps.repo.facts_of(event.case_id)
    changed = None if stored is None else from_events.lcspr_case(stored, event)
    if changed is not None:
        await _decide(event.case_id, _case_facts(changed, "publication"), envelope, deps)


def _merged(kind: str, parts: dict[str, Any]) -> dict[str, Any] | None:
    """A matter's facts from its parts; None while a part the kind needs is missing."""
    if kind == "case_of_concern":
        if "referral" not in parts:
            return None  # triaged before the referral arrived: decide when it does
        return {**parts["referral"], **parts.get("triage", {})}
    (only,) = parts.values()
    return dict(only)


async def _decide_subject(
    kind: SubjectKind,
    subject_id: str,
    case_id: str | None,
    part: str,
    facts: dict[str, Any],
    envelope: Envelope,
    deps: RulesDeps,
    *,
    reference: str | None = None,
    about: dict[str, Any] | None = None,
) -> None:
    parts = await deps.subjects.record(kind, subject_id, part, facts)
    known, about = await deps.subjects.labels(kind, subject_id, reference, about)
    merged = _merged(kind, parts)
    if merged is None:
        return
    try:
        decided = await asyncio.to_thread(deps.decide_subject, kind, merged)
    except InputError as exc:
        raise PermanentError(f"{kind} {subject_id}: {exc}") from exc
    result = decided.evaluation
    deps.record(result)
    event = SubjectDecided(
        kind=kind,
        subject_id=subject_id,
        case_id=case_id,
        reference=known,
        about=about,
        trigger_event_id=envelope.id,
        rulepack=RulepackRef(id=result.pack_id, version=result.pack_version, hash=result.pack_hash),
        answer=decided.answer,
        clocks=clocks_due(result.clocks),
        decisions=tuple(Decision.model_validate(d.model_dump()) for d in result.decisions),
    )
    decision_id = stable_id("subject.decided", kind, envelope.id, result.pack_hash)
    await deps.subjects.save(decision_id, event, merged, deps.now())
    await deps.publish(event, decision_id, child_traceparent(envelope.traceparent))
    log.info(
        "matter decided",
        extra={"kind": kind, "subject_id": subject_id, "rulepack": result.pack_id},
    )


async def _decide(
    case_id: str,
    facts: CaseFacts,
    envelope: Envelope,
    deps: RulesDeps,
    reference: str | None = None,
) -> None:
    # durable_rules is synchronous (and serialised by the engine): keep it off the loop.
    result = await asyncio.to_thread(deps.evaluate, facts)
    reference = reference or await deps.repo.reference_of(case_id)
    assessed = case_assessed(case_id, envelope.id, result, reference)
    if facts.criteria_not_met_date is not None:
        assessed = superseded_by_closure(assessed, facts.criteria_not_met_date)
    # Re-evaluating the same facts under the same pack gives the same id: harmless twice.
    decision_id = stable_id("case.assessed", envelope.id, result.pack_hash)
    await deps.repo.save(decision_id, assessed, facts.model_dump(mode="json"), deps.now())
    await deps.publish(assessed, decision_id, child_traceparent(envelope.traceparent))
    deps.record(result)
    log.info(
        "case assessed",
        extra={
            "case_id": case_id,
            "rulepack": f"{result.pack_id}@{result.pack_version}",
            "panel_notification_required": assessed.panel_notification_required,
        },
    )

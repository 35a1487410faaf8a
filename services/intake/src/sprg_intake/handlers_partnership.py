"""Inputs beyond a case: Cases of Concern, escalations, tags, SPRG meetings, actions, learning."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from importlib import resources
from typing import Any

from pydantic import BaseModel

from sprg_intake.commands import (
    RaiseEscalation,
    RecordAction,
    RecordAttendance,
    RecordMember,
    RecordMinutes,
    ReferCaseOfConcern,
    ScheduleMeeting,
    ShareLearning,
    TagReview,
    TriageCaseOfConcern,
    UpdateAction,
    UpdateEscalation,
)
from sprg_intake.domain import escalations
from sprg_intake.handlers import CaseNotFound, IntakeDeps, InvalidFact
from sprg_intake.recording import (
    Draft,
    Outgoing,
    Recorded,
    append,
    audit_read,
    idem_for,
    may_see,
    opened,
    public_view,
    replayed,
    request_fingerprint,
    subject_for,
    subject_id_for,
)
from sprg_shared.auth import Principal, Role
from sprg_shared.envelope import EventData
from sprg_shared.events import (
    ActionRecorded,
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    CaseTagged,
    EscalationRecorded,
    LearningShared,
    MeetingAttendanceRecorded,
    MeetingMember,
    MeetingScheduled,
)
from sprg_shared.store import Document

Make = Callable[[str, datetime], EventData | None]


async def _open(
    kind: str,
    command: BaseModel,
    principal: Principal,
    deps: IntakeDeps,
    *,
    make: Make,
    personal: dict[str, Any] | None,
    result: Callable[[str, dict[str, Any]], dict[str, Any]],
    idempotency_key: str | None,
    traceparent: str | None,
    owner_agency: str | None = None,
    plain_facts: dict[str, Any] | None = None,
    key: str | None = None,
) -> Recorded:
    """A new subject (a CoC, an escalation, a meeting...) opened by its first record."""
    fingerprint = request_fingerprint(deps, kind, "", command)
    idem = idem_for(kind, principal, idempotency_key)
    if (again := await replayed(deps, idem, fingerprint)) is not None:
        return again
    subject_id = subject_id_for(kind, principal, idempotency_key)
    now = deps.now()
    event = make(subject_id, now)
    facts = event.model_dump(mode="json") if event else (plain_facts or {})
    return await append(
        deps,
        principal,
        Draft(
            kind=kind,
            record_id=subject_id,
            subject_id=subject_id,
            owner_agency=owner_agency or principal.agency,
            facts=facts,
            personal=personal,
            events=(Outgoing(event, key or subject_id),) if event else (),
            result=result(subject_id, facts),
        ),
        idem=idem,
        fingerprint=fingerprint,
        now=now,
        traceparent=traceparent,
    )


async def _follow(
    subject: Document,
    kind: str,
    command: BaseModel,
    principal: Principal,
    deps: IntakeDeps,
    *,
    make: Callable[[list[Document], datetime], tuple[EventData | None, dict[str, Any]]],
    personal: dict[str, Any] | None,
    idempotency_key: str | None,
    traceparent: str | None,
) -> Recorded:
    """The next record about a subject; its slot (the sequence number) is won once."""
    subject_id = subject["_id"]
    fingerprint = request_fingerprint(deps, kind, subject_id, command)
    idem = idem_for(kind, principal, idempotency_key)
    if (again := await replayed(deps, idem, fingerprint)) is not None:
        return again
    before = await deps.repo.records_for(subject_id)
    now = deps.now()
    event, facts = make(before, now)
    record_id = f"{subject_id}:{len(before) + 1}"
    return await append(
        deps,
        principal,
        Draft(
            kind=kind,
            record_id=record_id,
            subject_id=subject_id,
            owner_agency=subject["agency"],
            seq=len(before) + 1,
            facts=facts,
            personal=personal,
            events=(Outgoing(event, subject_id),) if event else (),
            result={"id": subject_id, "record_id": record_id, "kind": kind, "facts": facts},
        ),
        idem=idem,
        fingerprint=fingerprint,
        now=now,
        traceparent=traceparent,
        conflict="it changed meanwhile; read it and send again",
    )


async def read_subject(
    subject_id: str, kind: str, principal: Principal, deps: IntakeDeps, *, reason: str
) -> dict[str, Any]:
    """A subject with its whole history and the words, for an entitled reader; audited."""
    record = await deps.repo.get_record(subject_id)
    granted = record is not None and record["kind"] == kind and _may_read(principal, record)
    await audit_read(deps, subject_id, principal, reason, granted=granted)
    if record is None or not granted:
        raise CaseNotFound(subject_id)
    history = await deps.repo.records_for(subject_id)
    return {
        "id": subject_id,
        "kind": kind,
        "agency": record["agency"],
        "opened": record["result"],
        "history": [public_view(deps, r) for r in history],
    }


def _may_read(principal: Principal, record: Document) -> bool:
    if record["kind"] in {"meeting", "action", "learning"}:
        return principal.has(Role.BUSINESS_TEAM, Role.CHAIR, Role.SPRG_MEMBER)
    return may_see(principal, record["agency"])


# --- Case of Concern -------------------------------------------------------------------------


async def refer_case_of_concern(
    command: ReferCaseOfConcern, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    def make(coc_id: str, now: datetime) -> EventData:
        return CaseOfConcernReferred(
            coc_id=coc_id,
            reference=f"COC-{now.year}-{coc_id.replace('-', '')[:8].upper()}",
            referring_agency=principal.agency,
            referred_date=command.referred_date,
            meets_sin_criteria=command.meets_sin_criteria,
            meets_spr_criteria=command.meets_spr_criteria,
            agencies_involved=tuple(command.agencies_involved),
            referred_at=now,
        )

    return await _open(
        "case_of_concern",
        command,
        principal,
        deps,
        make=make,
        personal=command.model_dump(
            mode="json",
            include={"referrer_name", "referrer_role", "children", "concern", "learning_sought"},
        ),
        result=lambda coc_id, facts: {
            "coc_id": coc_id,
            "reference": facts["reference"],
            "status": "referred",
            "links": {"self": f"/v1/cases-of-concern/{coc_id}"},
        },
        **kw,
    )


async def triage_case_of_concern(
    coc_id: str, command: TriageCaseOfConcern, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    coc = await subject_for(deps, coc_id, "case_of_concern", principal)

    def make(_: list[Document], now: datetime) -> tuple[EventData, dict[str, Any]]:
        event = CaseOfConcernTriaged(
            coc_id=coc_id, triaged_at=now, **command.model_dump(exclude={"advice"})
        )
        return event, event.model_dump(mode="json")

    return await _follow(
        coc,
        "triage",
        command,
        principal,
        deps,
        make=make,
        personal={"advice": command.advice},
        **kw,
    )


# --- Escalations ----------------------------------------------------------------------------


def _escalation_event(
    escalation_id: str, first: dict[str, Any], state: escalations.EscalationState, now: datetime
) -> EscalationRecorded:
    return EscalationRecorded(
        escalation_id=escalation_id,
        reference=first["reference"],
        raised_by_agency=first["raised_by_agency"],
        with_agency=first["with_agency"],
        stage=state.stage,
        stage_started_date=state.stage_started_date,
        resolved_date=state.resolved_date,
        copy_to_cscp_date=state.copy_to_cscp_date,
        history=state.history,
        recorded_at=now,
    )


async def raise_escalation(
    command: RaiseEscalation, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    def make(escalation_id: str, now: datetime) -> EventData:
        first = {
            "reference": f"ESC-{now.year}-{escalation_id.replace('-', '')[:8].upper()}",
            "raised_by_agency": principal.agency,
            "with_agency": command.with_agency,
        }
        state = escalations.opened(
            command.stage, command.stage_started_date, command.copy_to_cscp_date
        )
        return _escalation_event(escalation_id, first, state, now)

    return await _open(
        "escalation",
        command,
        principal,
        deps,
        make=make,
        personal={"summary": command.summary},
        result=lambda escalation_id, facts: {
            "escalation_id": escalation_id,
            "reference": facts["reference"],
            "stage": facts["stage"],
            "links": {"self": f"/v1/escalations/{escalation_id}"},
        },
        **kw,
    )


def _escalation_state(facts: dict[str, Any]) -> escalations.EscalationState:
    event = EscalationRecorded.model_validate(facts)
    return escalations.EscalationState(
        stage=event.stage,
        stage_started_date=event.stage_started_date,
        history=event.history,
        resolved_date=event.resolved_date,
        copy_to_cscp_date=event.copy_to_cscp_date,
    )


async def update_escalation(
    escalation_id: str, command: UpdateEscalation, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    first = await subject_for(deps, escalation_id, "escalation", principal)

    def make(before: list[Document], now: datetime) -> tuple[EventData, dict[str, Any]]:
        try:
            state = escalations.updated(_escalation_state(before[-1]["facts"]), command)
        except escalations.EscalationRefused as exc:
            raise InvalidFact(str(exc)) from exc
        event = _escalation_event(escalation_id, first["facts"], state, now)
        return event, event.model_dump(mode="json")

    return await _follow(
        first,
        "escalation_update",
        command,
        principal,
        deps,
        make=make,
        personal={"note": command.note},
        **kw,
    )


async def tag_review(
    command: TagReview, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    def make(_: str, now: datetime) -> EventData:
        return CaseTagged(
            subject_id=command.subject_id,
            review_type=command.review_type,
            tags=tuple(sorted(set(command.tags))),
            tagged_at=now,
        )

    return await _open(
        "tags",
        command,
        principal,
        deps,
        make=make,
        key=command.subject_id,
        personal=None,
        result=lambda tag_id, facts: {"tagging_id": tag_id, **facts},
        **kw,
    )


# --- SPRG meetings, actions, learning -----------------------------------------------------


async def schedule_meeting(
    command: ScheduleMeeting, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    if command.papers_due_date and command.papers_due_date > command.meeting_date:
        raise InvalidFact("papers_due_date is after meeting_date")
    return await _open(
        "meeting",
        command,
        principal,
        deps,
        make=lambda meeting_id, now: MeetingScheduled(
            meeting_id=meeting_id, scheduled_at=now, **command.model_dump()
        ),
        personal=None,
        result=lambda meeting_id, facts: {
            "meeting_id": meeting_id,
            **facts,
            "links": {"self": f"/v1/meetings/{meeting_id}"},
        },
        **kw,
    )


async def record_attendance(
    meeting_id: str, command: RecordAttendance, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    meeting = await _meeting(deps, meeting_id)

    def make(_: list[Document], now: datetime) -> tuple[EventData, dict[str, Any]]:
        event = MeetingAttendanceRecorded(
            meeting_id=meeting_id,
            meeting_date=date.fromisoformat(meeting["facts"]["meeting_date"]),
            as_of=command.as_of,
            members=tuple(
                MeetingMember.model_validate(m.model_dump(exclude={"name", "proxy_name"}))
                for m in command.members
            ),
            recorded_at=now,
        )
        return event, event.model_dump(mode="json")

    names = [m.model_dump(include={"name", "proxy_name"}) for m in command.members]
    return await _follow(
        meeting, "attendance", command, principal, deps, make=make, personal={"names": names}, **kw
    )


async def record_minutes(
    meeting_id: str, command: RecordMinutes, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    """Minutes stay in intake, encrypted: no event carries them."""
    meeting = await _meeting(deps, meeting_id)
    facts = {"approved_date": command.approved_date and command.approved_date.isoformat()}
    return await _follow(
        meeting,
        "minutes",
        command,
        principal,
        deps,
        make=lambda _b, _n: (None, facts),
        personal={"text": command.text},
        **kw,
    )


async def _meeting(deps: IntakeDeps, meeting_id: str) -> Document:
    record = await deps.repo.get_record(meeting_id)
    if record is None or record["kind"] != "meeting":
        raise CaseNotFound(meeting_id)
    return record


async def record_action(
    command: RecordAction, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    def make(action_id: str, now: datetime) -> EventData:
        return ActionRecorded(
            action_id=action_id,
            source_id=command.source_id,
            owner_agency=command.owner_agency,
            owner_role=command.owner_role,
            due_date=command.due_date,
            status="open",
            updated_date=now.date(),
            recorded_at=now,
        )

    return await _open(
        "action",
        command,
        principal,
        deps,
        make=make,
        personal={"description": command.description},
        result=lambda action_id, facts: {"action_id": action_id, **facts},
        **kw,
    )


async def update_action(
    action_id: str, command: UpdateAction, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    action = await deps.repo.get_record(action_id)
    if action is None or action["kind"] != "action":
        raise CaseNotFound(action_id)
    if not principal.has(Role.BUSINESS_TEAM, Role.CHAIR) and (
        principal.agency != action["facts"]["owner_agency"]
    ):
        raise CaseNotFound(action_id)

    def make(before: list[Document], now: datetime) -> tuple[EventData, dict[str, Any]]:
        current = ActionRecorded.model_validate(before[-1]["facts"])
        event = current.model_copy(
            update={
                "status": command.status,
                "updated_date": command.updated_date,
                "due_date": command.due_date or current.due_date,
                "recorded_at": now,
            }
        )
        return event, event.model_dump(mode="json")

    return await _follow(
        action,
        "action_update",
        command,
        principal,
        deps,
        make=make,
        personal={"note": command.note},
        **kw,
    )


async def share_learning(
    command: ShareLearning, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await _open(
        "learning",
        command,
        principal,
        deps,
        make=lambda learning_id, now: LearningShared(
            learning_id=learning_id,
            source_id=command.source_id,
            shared_date=command.shared_date,
            audiences=tuple(command.audiences),
            impact_reported=command.impact_reported,
            recorded_at=now,
        ),
        personal={"impact": command.impact},
        result=lambda learning_id, facts: {"learning_id": learning_id, **facts},
        **kw,
    )


# --- Membership (the seed's table as data) ---------------------------------------------------


def seats() -> list[dict[str, Any]]:
    """The SPRG's seats: the seed's membership table."""
    raw = resources.files("sprg_intake").joinpath("data/membership.json").read_text()
    loaded: list[dict[str, Any]] = json.loads(raw)
    return loaded


async def record_member(
    command: RecordMember, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    if command.seat not in {s["seat"] for s in seats()}:
        raise InvalidFact(f"seat {command.seat!r} is not in the SPRG's membership table")
    facts = command.model_dump(mode="json", exclude={"name", "proxies"})
    return await _open(
        "member",
        command,
        principal,
        deps,
        make=lambda _i, _n: None,
        plain_facts=facts,
        personal={"name": command.name, "proxies": command.proxies},
        result=lambda member_id, _f: {"member_id": member_id, **facts},
        **kw,
    )


async def membership(principal: Principal, deps: IntakeDeps) -> list[dict[str, Any]]:
    """Each seat with who holds it now; names only for the SPRG and the Business Team."""
    names = principal.has(Role.BUSINESS_TEAM, Role.CHAIR, Role.SPRG_MEMBER)
    holders: dict[str, Document] = {}
    for record in await deps.repo.records_of_kind("member"):
        holders[record["facts"]["seat"]] = record
    table = []
    for seat in seats():
        held = holders.get(seat["seat"])
        entry: dict[str, Any] = {**seat, "held": held is not None}
        if held is not None:
            entry.update(agency=held["facts"]["agency"], from_date=held["facts"]["from_date"])
            if names:
                entry.update(opened(deps, held) or {})
        table.append(entry)
    return table

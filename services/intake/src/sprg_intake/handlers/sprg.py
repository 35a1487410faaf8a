"""The SPRG: meetings, attendance, minutes, actions, learning and membership."""

from __future__ import annotations

import json
from datetime import date, datetime
from importlib import resources
from typing import Any

from sprg_intake.domain.commands import (
    RecordAction,
    RecordAttendance,
    RecordMember,
    RecordMinutes,
    ScheduleMeeting,
    ShareLearning,
    UpdateAction,
)
from sprg_intake.handlers.incident import CaseNotFound, IntakeDeps, InvalidFact
from sprg_intake.handlers.recording import (
    Recorded,
    opened,
)
from sprg_intake.handlers.subjects import follow_subject, open_subject
from sprg_shared.auth import Principal, Role
from sprg_shared.contracts.intake import (
    ActionRecorded,
    LearningShared,
    MeetingAttendanceRecorded,
    MeetingMember,
    MeetingScheduled,
)
from sprg_shared.envelope import EventData
from sprg_shared.references import meeting_id as meeting_id_for
from sprg_shared.references import meeting_reference, minted
from sprg_shared.store import Document
from sprg_shared.vocabulary import attendance_problems

# --- SPRG meetings, actions, learning -----------------------------------------------------


async def schedule_meeting(
    command: ScheduleMeeting, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    if command.papers_due_date and command.papers_due_date > command.meeting_date:
        raise InvalidFact("papers_due_date is after meeting_date")
    return await open_subject(
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
            "reference": meeting_reference(command.meeting_date),
            **facts,
            "links": {
                "self": f"/v1/meetings/{meeting_id}",
                "agenda": f"/v1/meetings/{meeting_id}/agenda",
            },
        },
        subject_id=meeting_id_for(command.meeting_date),
        conflict=f"an SPRG meeting is already scheduled on {command.meeting_date}",
        **kw,
    )


async def _against_membership(command: RecordAttendance, deps: IntakeDeps) -> list[MeetingMember]:
    """Each attendee as the membership knows them: a seat's role and partner, and whether a
    proxy is one the seat's holder named (of similar seniority)."""
    table = {s["seat"]: s for s in seats()}
    holders = {r["facts"]["seat"]: r for r in await deps.repo.records_of_kind("member")}
    members = []
    for index, attendee in enumerate(command.members):
        fields = attendee.model_dump(exclude={"name", "proxy_name", "seat"})
        if attendee.seat is not None:
            seat = table.get(attendee.seat)
            if seat is None:
                known = ", ".join(sorted(table))
                raise InvalidFact(
                    f"members.{index}.seat: {attendee.seat!r} is not a seat of the SPRG"
                    f" (one of: {known})"
                )
            fields["role"] = attendee.role or seat["role"]
            fields["partner"] = attendee.partner or seat["quorum_partner"]
            held = holders.get(attendee.seat)
            proxies = (opened(deps, held) or {}).get("proxies", []) if held else []
            if (
                attendee.attendance == "proxy"
                and attendee.proxy_similar_seniority is None
                and attendee.proxy_name in proxies
            ):
                fields["proxy_similar_seniority"] = True
        elif attendee.role is None:
            raise InvalidFact(f"members.{index}: give its seat or its role")
        members.append(MeetingMember.model_validate({**fields, "seat": attendee.seat}))
    return members


async def record_attendance(
    meeting_id: str, command: RecordAttendance, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    meeting = await _meeting(deps, meeting_id)
    meeting_date = date.fromisoformat(meeting["facts"]["meeting_date"])
    # The same checks the quoracy rules make (shared vocabulary): refused here, not dropped.
    for field, problem in attendance_problems(meeting_date, command.as_of, command.members):
        raise InvalidFact(f"{field}: {problem}", field=field)
    attendees = await _against_membership(command, deps)

    def make(_: list[Document], now: datetime) -> tuple[EventData, dict[str, Any]]:
        event = MeetingAttendanceRecorded(
            meeting_id=meeting_id,
            meeting_date=date.fromisoformat(meeting["facts"]["meeting_date"]),
            as_of=command.as_of,
            members=tuple(attendees),
            recorded_at=now,
        )
        return event, event.model_dump(mode="json")

    names = [m.model_dump(include={"name", "proxy_name"}) for m in command.members]
    return await follow_subject(
        meeting, "attendance", command, principal, deps, make=make, personal={"names": names}, **kw
    )


async def record_minutes(
    meeting_id: str, command: RecordMinutes, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    """Minutes stay in intake, encrypted: no event carries them."""
    meeting = await _meeting(deps, meeting_id)
    facts = {"approved_date": command.approved_date and command.approved_date.isoformat()}
    return await follow_subject(
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


async def _existing_source(deps: IntakeDeps, source_id: str) -> None:
    """An action or learning comes from something on record: a case, meeting, Case of
    Concern or escalation (otherwise its clock would hang on nothing)."""
    if await deps.repo.get(source_id) is not None:
        return
    record = await deps.repo.get_record(source_id)
    if (
        record is None
        or record["kind"] not in SOURCE_KINDS
        or record["_id"] != record.get("subject_id", record["_id"])
    ):
        raise InvalidFact(
            f"source_id {source_id!r} is not a case, meeting, Case of Concern or escalation "
            "on record",
            field="source_id",
        )


SOURCE_KINDS = {"meeting", "case_of_concern", "escalation"}


async def source_reference(deps: IntakeDeps, source_id: str) -> str | None:
    """How people know an action's source: a case's, CoC's or escalation's reference, a
    meeting's date (None for a source intake does not hold)."""
    case = await deps.repo.get(source_id)
    if case is not None:
        return str(case["reference"]) if case.get("reference") else None
    record = await deps.repo.get_record(source_id)
    if record is None:
        return None
    facts = record.get("facts") or {}
    if record["kind"] == "meeting" and facts.get("meeting_date"):
        return meeting_reference(date.fromisoformat(facts["meeting_date"]))
    return str(facts["reference"]) if facts.get("reference") else None


async def record_action(
    command: RecordAction, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    await _existing_source(deps, command.source_id)
    source = await source_reference(deps, command.source_id)

    def make(action_id: str, now: datetime) -> EventData:
        return ActionRecorded(
            action_id=action_id,
            reference=minted("ACT", action_id, now.year),
            source_id=command.source_id,
            source_reference=source,
            owner_agency=command.owner_agency,
            owner_role=command.owner_role,
            due_date=command.due_date,
            status="open",
            updated_date=now.date(),
            recorded_at=now,
        )

    return await open_subject(
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

    return await follow_subject(
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
    await _existing_source(deps, command.source_id)
    return await open_subject(
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
    return await open_subject(
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
            entry.update(
                agency=held["facts"]["agency"],
                from_date=held["facts"]["from_date"],
                person_id=held["facts"].get("person_id"),
            )
            if names:
                entry.update(opened(deps, held) or {})
        table.append(entry)
    return table

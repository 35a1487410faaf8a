"""Subjects beyond a case (a CoC, an escalation, a meeting...): opened, followed, read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from sprg_intake.handlers import not_processed
from sprg_intake.handlers.incident import CaseNotFound, IntakeDeps
from sprg_intake.handlers.recording import (
    Draft,
    Outgoing,
    Recorded,
    audit_read,
    public_view,
    record_once,
    request_fingerprint,
    sees_record,
    subject_id_for,
)
from sprg_shared.auth import Principal, Role
from sprg_shared.envelope import EventData
from sprg_shared.store import Document

Make = Callable[[str, datetime], EventData | None]


async def open_subject(
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
    subject_id: str | None = None,
    conflict: str = "this fact was already recorded",
) -> Recorded:
    """A new subject (a CoC, an escalation, a meeting...) opened by its first record.

    ``subject_id`` names a subject whose identity is known beforehand (a meeting, by its
    date); a second one under that id is refused as a conflict."""
    subject_id = subject_id or subject_id_for(kind, principal, idempotency_key)

    async def draft(now: datetime) -> Draft:
        event = make(subject_id, now)
        facts = event.model_dump(mode="json") if event else (plain_facts or {})
        return Draft(
            kind=kind,
            record_id=subject_id,
            subject_id=subject_id,
            owner_agency=owner_agency or principal.agency,
            facts=facts,
            personal=personal,
            events=(Outgoing(event, key or subject_id),) if event else (),
            result=result(subject_id, facts),
        )

    return await record_once(
        deps,
        principal,
        kind=kind,
        fingerprint=request_fingerprint(deps, kind, "", command),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
        draft=draft,
        conflict=conflict,
    )


async def follow_subject(
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

    async def draft(now: datetime) -> Draft:
        before = await deps.repo.records_for(subject_id)
        event, facts = make(before, now)
        record_id = f"{subject_id}:{len(before) + 1}"
        return Draft(
            kind=kind,
            record_id=record_id,
            subject_id=subject_id,
            owner_agency=subject["agency"],
            seq=len(before) + 1,
            facts=facts,
            personal=personal,
            events=(Outgoing(event, subject_id),) if event else (),
            result={"id": subject_id, "record_id": record_id, "kind": kind, "facts": facts},
        )

    return await record_once(
        deps,
        principal,
        kind=kind,
        fingerprint=request_fingerprint(deps, kind, subject_id, command),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
        draft=draft,
        conflict="it changed meanwhile; read it and send again",
    )


async def read_subject(
    subject_id: str, kind: str, principal: Principal, deps: IntakeDeps, *, reason: str
) -> dict[str, Any]:
    """A subject with its whole history and the words, for an entitled reader; audited."""
    record = await deps.repo.get_record(subject_id)
    granted = record is not None and record["kind"] == kind and _may_read(deps, principal, record)
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
        "not_processed": await not_processed.for_subject(deps.repo, subject_id, principal),
    }


def _may_read(deps: IntakeDeps, principal: Principal, record: Document) -> bool:
    if record["kind"] in {"meeting", "action", "learning"}:
        return principal.has(Role.BUSINESS_TEAM, Role.CHAIR, Role.SPRG_MEMBER)
    return sees_record(deps, principal, record)

"""How every input beyond the first report is kept: one record per fact, never overwritten.

A record is one document holding the fact (ids, dates, codes: what may go on the bus),
the words people wrote sealed with AES-GCM, and the events it owes (the outbox). One
insert writes all of it or nothing. An ``Idempotency-Key`` makes a retried POST return
the first result; a deterministic ``_id`` makes a once-only fact (or the next slot in a
sequence) win exactly once even when two requests race.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from sprg_intake.adapters.crypto import CannotDecrypt
from sprg_intake.handlers.incident import (
    CaseNotFound,
    FactConflict,
    IdempotencyConflict,
    IntakeDeps,
    may_read,
)
from sprg_shared.auth import Principal, Role
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.ids import new_id, stable_id
from sprg_shared.store import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """An event a record owes, with the Kafka key it is published under."""

    event: EventData
    key: str


@dataclass(frozen=True)
class Draft:
    kind: str
    record_id: str
    subject_id: str
    owner_agency: str
    facts: dict[str, Any]
    result: dict[str, Any]
    personal: dict[str, Any] | None = None
    events: tuple[Outgoing, ...] = ()
    seq: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    result: dict[str, Any]
    replayed: bool


def idem_for(kind: str, principal: Principal, key: str | None) -> str | None:
    return stable_id("idem", kind, principal.agency, key) if key else None


def request_fingerprint(deps: IntakeDeps, kind: str, scope: str, command: BaseModel) -> str:
    return deps.fingerprint(f"{kind}\x1f{scope}\x1f{command.model_dump_json()}".encode())


async def replayed(deps: IntakeDeps, idem: str | None, fingerprint: str) -> Recorded | None:
    """The first result when this Idempotency-Key was used for the same request before."""
    if idem is None:
        return None
    existing = await deps.repo.record_by_idem(idem)
    if existing is None:
        return None
    if existing["request_fingerprint"] != fingerprint:
        raise IdempotencyConflict("Idempotency-Key was already used for a different request")
    return Recorded(result=existing["result"], replayed=True)


def subject_id_for(kind: str, principal: Principal, key: str | None) -> str:
    """A new subject's id: deterministic under an Idempotency-Key, random otherwise."""
    return stable_id(kind, principal.agency, key) if key else new_id()


def envelope(
    deps: IntakeDeps, out: Outgoing, *, event_id: str, now: datetime, traceparent: str | None
) -> Envelope:
    return Envelope(
        id=event_id,
        source=deps.source,
        type=out.event.TYPE,
        subject=out.key,
        time=now,
        traceparent=traceparent,
        data=json.loads(out.event.model_dump_json()),
    )


async def append(
    deps: IntakeDeps,
    principal: Principal,
    draft: Draft,
    *,
    idem: str | None,
    fingerprint: str,
    now: datetime,
    traceparent: str | None,
    conflict: str = "this fact was already recorded",
) -> Recorded:
    """Write the record and its outbox in one insert; replay or refuse on a clash."""
    outbox: dict[str, Any] = {}
    for index, out in enumerate(draft.events):
        event_id = stable_id("event", draft.record_id, str(index))
        outbox[event_id] = {
            "topic": out.event.TOPIC,
            "envelope": envelope(
                deps, out, event_id=event_id, now=now, traceparent=traceparent
            ).model_dump(mode="json"),
            "sent_at": None,
        }
    document: Document = {
        "_id": draft.record_id,
        "kind": draft.kind,
        "subject_id": draft.subject_id,
        "seq": draft.seq,
        "agency": draft.owner_agency,
        "created_by": principal.subject,
        "created_by_agency": principal.agency,
        "created_at": now,
        "idem": idem,
        "request_fingerprint": fingerprint,
        "facts": draft.facts,
        # Always sealed (``null`` when no words): the seal binds the agencies that grant
        # access to the record, so editing them in the store grants nothing.
        "sealed": deps.sealer.seal(
            json.dumps(draft.personal).encode(),
            case_id=draft.record_id,
            agency=grant_of(draft.owner_agency, draft.facts),
        ),
        "result": draft.result,
        "outbox": outbox,
        "outbox_pending": list(outbox),
        **draft.extra,
    }
    if await deps.repo.insert_record(document):
        if outbox:
            deps.relay.wake()
        return Recorded(result=draft.result, replayed=False)
    again = await replayed(deps, idem, fingerprint)
    if again is not None:
        return again
    raise FactConflict(conflict)


async def record_once(
    deps: IntakeDeps,
    principal: Principal,
    *,
    kind: str,
    fingerprint: str,
    idempotency_key: str | None,
    traceparent: str | None,
    draft: Callable[[datetime], Awaitable[Draft]],
    conflict: str = "this fact was already recorded",
) -> Recorded:
    """The one way intake keeps a fact: once, else the first answer again, else 409.

    A retry under the same ``Idempotency-Key`` with the same request (``fingerprint``)
    answers as the first time, with another request 422; otherwise ``draft(now)`` says
    what to write and ``append`` writes it in one insert, or refuses it (``conflict``,
    409) when another request took its slot first.
    """
    idem = idem_for(kind, principal, idempotency_key)
    if (again := await replayed(deps, idem, fingerprint)) is not None:
        return again
    now = deps.now()
    return await append(
        deps,
        principal,
        await draft(now),
        idem=idem,
        fingerprint=fingerprint,
        now=now,
        traceparent=traceparent,
        conflict=conflict,
    )


def opened(deps: IntakeDeps, record: Document) -> dict[str, Any] | None:
    sealed = record.get("sealed")
    if sealed is None:
        return None
    try:
        words = deps.sealer.open(
            sealed, case_id=record["_id"], agency=grant_of(record["agency"], record["facts"])
        )
    except CannotDecrypt:
        log.warning("record's words do not open with its agency", extra={"id": record["_id"]})
        return None
    loaded: dict[str, Any] | None = json.loads(words)
    return loaded


def public_view(deps: IntakeDeps, record: Document) -> dict[str, Any]:
    """A record as an entitled reader sees it: facts, the words, who and when."""
    return {
        "record_id": record["_id"],
        "kind": record["kind"],
        "recorded_at": record["created_at"],
        "recorded_by": record["created_by"],
        "recorded_by_agency": record["created_by_agency"],
        "facts": record["facts"],
        "words": opened(deps, record),
    }


async def audit_read(
    deps: IntakeDeps, subject_id: str, principal: Principal, reason: str, *, granted: bool
) -> None:
    await deps.repo.record_read(
        {
            "case_id": subject_id,
            "by": principal.subject,
            "agency": principal.agency,
            "roles": sorted(principal.roles),
            "reason": reason,
            "granted": granted,
            "at": deps.now(),
        }
    )


def may_see(principal: Principal, owner_agency: str) -> bool:
    """The Business Team sees everything; anyone else what their agency submitted."""
    return principal.has(Role.BUSINESS_TEAM) or principal.agency == owner_agency


def grant_of(owner_agency: str, facts: dict[str, Any]) -> str:
    """The agencies that grant access to a record: its owner, and the agency asked when
    the record is a request to one (``facts.agency``); bound into the record's seal."""
    asked = facts.get("agency")
    return owner_agency if asked is None else f"{owner_agency}\x1fasked={asked}"


def bound_record(deps: IntakeDeps, record: Document) -> bool:
    """Whether the record's clear ``agency`` fields are those sealed with it."""
    sealed = record.get("sealed")
    if sealed is None:
        log.error("record without a seal: agencies are not granted it", extra={"id": record["_id"]})
        return False
    try:
        deps.sealer.open(
            sealed, case_id=record["_id"], agency=grant_of(record["agency"], record["facts"])
        )
    except CannotDecrypt:
        log.warning("record's agency does not match its seal", extra={"id": record["_id"]})
        return False
    return True


def bound_case(deps: IntakeDeps, case: Document) -> bool:
    """Whether the case's clear ``agency`` is the one sealed with its personal data."""
    try:
        deps.sealer.open(case["personal"], case_id=case["_id"], agency=case["agency"])
    except CannotDecrypt:
        log.warning("case's agency does not match its seal", extra={"id": case["_id"]})
        return False
    return True


def reads_case(deps: IntakeDeps, principal: Principal, case: Document) -> bool:
    """``may_read``, with the agency that grants it checked against the sealed copy (for
    the Business Team too: a case whose agency was edited in the store is read by no one
    until it is put right, and the log says which)."""
    return may_read(principal, case) and bound_case(deps, case)


def sees_record(
    deps: IntakeDeps, principal: Principal, record: Document, agency: str | None = None
) -> bool:
    """``may_see`` of the record's agency (or ``agency``, a field of it), checked against
    the record's seal when it is the agency that grants access."""
    if principal.has(Role.BUSINESS_TEAM):
        return True
    return may_see(principal, agency or record["agency"]) and bound_record(deps, record)


async def case_for(
    deps: IntakeDeps, case_id: str, principal: Principal, *, oversight: bool = False
) -> Document:
    """The incident case, when this caller may act on it (404 otherwise, never 403).

    With ``oversight`` the SPRG's chair reaches every case too (the review's own steps).
    """
    case = await deps.repo.get(case_id)
    chair = oversight and principal.has(Role.CHAIR)
    if case is None or not (chair or reads_case(deps, principal, case)):
        raise CaseNotFound(case_id)
    return case


async def subject_for(
    deps: IntakeDeps, subject_id: str, kind: str, principal: Principal
) -> Document:
    """The record that opened a subject (a CoC, an escalation...), if this caller may see it."""
    record = await deps.repo.get_record(subject_id)
    if record is None or record["kind"] != kind or not sees_record(deps, principal, record):
        raise CaseNotFound(subject_id)
    return record

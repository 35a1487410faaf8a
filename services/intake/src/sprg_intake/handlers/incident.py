"""What happens when a command arrives. No HTTP here: the API translates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sprg_intake.adapters.crypto import Sealer
from sprg_intake.adapters.outbox import OutboxRelay
from sprg_intake.adapters.ports import CaseStore
from sprg_intake.domain.cases import open_incident_case
from sprg_intake.domain.commands import RecordSinSubmission, ReportIncident
from sprg_shared.auth import Principal, Role
from sprg_shared.contracts.intake import SinSubmitted
from sprg_shared.envelope import envelope_for
from sprg_shared.ids import new_id, stable_id
from sprg_shared.store import Document


class IntakeError(Exception):
    """Base of intake's own errors."""


class IdempotencyConflict(IntakeError):
    """The Idempotency-Key was used before with a different request."""


class FactConflict(IntakeError):
    """The fact was recorded before with a different value."""


class InvalidFact(IntakeError):
    """The fact does not fit the case (e.g. a submission before the awareness date).

    ``field`` names the body field at fault (dotted), so the 422 says which one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CaseNotFound(IntakeError):
    """No such case, or none this caller may see (the two are not told apart)."""


@dataclass(frozen=True)
class IntakeDeps:
    repo: CaseStore
    sealer: Sealer
    fingerprint: Callable[[bytes], str]
    relay: OutboxRelay
    source: str
    now: Callable[[], datetime]


@dataclass(frozen=True)
class Receipt:
    case_id: str
    reference: str
    replayed: bool


async def report_incident(
    command: ReportIncident,
    principal: Principal,
    deps: IntakeDeps,
    *,
    idempotency_key: str | None,
    traceparent: str | None,
) -> Receipt:
    request_fingerprint = deps.fingerprint(command.model_dump_json().encode())
    case_id = (
        stable_id("incident", principal.agency, idempotency_key) if idempotency_key else new_id()
    )
    now = deps.now()
    case = open_incident_case(command, case_id=case_id, agency=principal.agency, reported_at=now)
    envelope = envelope_for(
        case.event,
        source=deps.source,
        event_id=stable_id("incident.reported", case_id),
        traceparent=traceparent,
        time=now,
    )
    document: Document = {
        "_id": case_id,
        "type": "incident",
        "reference": case.reference,
        "agency": principal.agency,
        "created_by": principal.subject,
        "created_at": now,
        "request_fingerprint": request_fingerprint,
        "facts": case.event.model_dump(mode="json"),
        "personal": deps.sealer.seal(case.personal, case_id=case_id, agency=principal.agency),
        "outbox": {
            envelope.id: {
                "topic": case.event.TOPIC,
                "envelope": envelope.model_dump(mode="json"),
                "sent_at": None,
            }
        },
        "outbox_pending": [envelope.id],
    }
    if await deps.repo.insert(document):
        deps.relay.wake()
        return Receipt(case_id=case_id, reference=case.reference, replayed=False)
    existing = await deps.repo.get(case_id)
    if existing is None or existing["request_fingerprint"] != request_fingerprint:
        raise IdempotencyConflict("Idempotency-Key was already used for a different request")
    return Receipt(case_id=case_id, reference=existing["reference"], replayed=True)


def may_read(principal: Principal, case: Document) -> bool:
    if principal.has(Role.BUSINESS_TEAM):
        return True
    return principal.agency == case["agency"] and principal.has(Role.AGENCY_SUBMITTER)


async def record_sin_submission(
    case_id: str,
    command: RecordSinSubmission,
    principal: Principal,
    deps: IntakeDeps,
    *,
    traceparent: str | None,
) -> dict[str, Any]:
    """Record when the SIN went to the Panel; the rules and clocks follow from the event."""
    case = await deps.repo.get(case_id)
    if case is None or not may_read(principal, case):
        raise CaseNotFound(case_id)
    corrections = await deps.repo.records_for(case_id, "correction")
    standing = corrections[-1]["facts"] if corrections else case["facts"]
    aware = date.fromisoformat(standing["aware_date"])
    if command.submitted_date < aware:
        raise InvalidFact(
            f"submitted_date {command.submitted_date} is before the awareness date {aware}"
        )
    if command.submitted_date > deps.now().date():
        raise InvalidFact(f"submitted_date {command.submitted_date} is in the future")
    now = deps.now()
    event = SinSubmitted(
        case_id=case_id,
        submitted_date=command.submitted_date,
        recorded_at=now,
        recorded_by_agency=principal.agency,
    )
    envelope = envelope_for(
        event,
        source=deps.source,
        time=now,
        traceparent=traceparent,
        event_id=stable_id("sin.submitted", case_id),
    )
    value = {
        **command.model_dump(mode="json"),
        "recorded_by": principal.subject,
        "recorded_at": now,
    }
    entry = {"topic": event.TOPIC, "envelope": envelope.model_dump(mode="json"), "sent_at": None}
    if await deps.repo.record_fact(case_id, "sin_submission", value, envelope.id, entry):
        deps.relay.wake()
        return {
            "case_id": case_id,
            "sin_submission": command.model_dump(mode="json"),
            "replayed": False,
        }
    existing = (await deps.repo.get(case_id) or {}).get("sin_submission", {})
    if existing.get("submitted_date") != command.submitted_date.isoformat():
        raise FactConflict(
            f"the SIN was already recorded as submitted on {existing.get('submitted_date')}"
        )
    return {"case_id": case_id, "sin_submission": command.model_dump(mode="json"), "replayed": True}

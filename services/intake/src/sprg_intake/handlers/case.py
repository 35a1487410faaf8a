"""Inputs about an incident case: corrections, reading it, and any fact recorded on it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from sprg_intake.domain.commands import (
    CorrectIncident,
)
from sprg_intake.domain.corrections import CorrectionRefused, Standing, correct
from sprg_intake.domain.rapid_review import rapid_review_state
from sprg_intake.handlers import not_processed
from sprg_intake.handlers.incident import CaseNotFound, IntakeDeps, InvalidFact
from sprg_intake.handlers.recording import (
    Draft,
    Outgoing,
    Recorded,
    audit_read,
    case_for,
    opened,
    public_view,
    reads_case,
    record_once,
    request_fingerprint,
    sees_record,
)
from sprg_shared.auth import Principal, Role
from sprg_shared.contracts.intake import ChildFacts, IncidentCorrected, IncidentFacts
from sprg_shared.envelope import EventData
from sprg_shared.store import Document


@dataclass(frozen=True)
class Upload:
    filename: str
    declared_type: str | None
    content: bytes


def _standing(deps: IntakeDeps, case: Document, corrections: list[Document]) -> Standing:
    if corrections:
        last = corrections[-1]
        facts, personal = last["facts"], opened(deps, last) or {}
    else:
        facts = case["facts"]
        personal = _personal(deps, case)
    return Standing(
        aware_date=date.fromisoformat(facts["aware_date"]),
        incident=IncidentFacts.model_validate(facts["incident"]),
        children=tuple(ChildFacts.model_validate(c) for c in facts["children"]),
        personal_children=tuple(personal["children"]),
    )


async def correct_incident(
    case_id: str,
    command: CorrectIncident,
    principal: Principal,
    deps: IntakeDeps,
    *,
    idempotency_key: str | None,
    traceparent: str | None,
) -> Recorded:
    case = await case_for(deps, case_id, principal)

    async def draft(now: datetime) -> Draft:
        corrections = await deps.repo.records_for(case_id, "correction")
        current = _standing(deps, case, corrections)
        try:
            corrected = correct(current, command)
        except CorrectionRefused as exc:
            raise InvalidFact(str(exc)) from exc
        seq = len(corrections) + 1
        record_id = f"{case_id}:correction:{seq}"
        standing = corrected.standing
        event = IncidentCorrected(
            case_id=case_id,
            correction_id=record_id,
            corrected_fields=corrected.corrected_fields,
            previous_aware_date=current.aware_date,
            aware_date=standing.aware_date,
            incident=standing.incident,
            children=standing.children,
            corrected_at=now,
            corrected_by_agency=principal.agency,
        )
        facts = event.model_dump(mode="json", include={"aware_date", "incident", "children"})
        return Draft(
            kind="correction",
            record_id=record_id,
            subject_id=case_id,
            owner_agency=case["agency"],
            seq=seq,
            facts={**facts, "corrected_fields": list(corrected.corrected_fields)},
            personal={"children": list(standing.personal_children), "reason": command.reason},
            events=(Outgoing(event, case_id),),
            result={
                "case_id": case_id,
                "correction_id": record_id,
                "corrected_fields": list(corrected.corrected_fields),
                "facts": facts,
            },
        )

    return await record_once(
        deps,
        principal,
        kind="correction",
        fingerprint=request_fingerprint(deps, "correction", case_id, command),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
        draft=draft,
        conflict="the case was corrected meanwhile; read it and correct again",
    )


def _personal(deps: IntakeDeps, case: Document) -> dict[str, Any]:
    opened: dict[str, Any] = json.loads(
        deps.sealer.open(case["personal"], case_id=case["_id"], agency=case["agency"])
    )
    return opened


async def read_case(
    case_id: str, principal: Principal, deps: IntakeDeps, *, reason: str
) -> dict[str, Any]:
    """The case as it now stands, its history, the words; every attempt audited.

    An agency asked for information on a case it did not report reads what it needs to
    answer (``_asked_view``): nothing else of the case.
    """
    case = await deps.repo.get(case_id)
    granted = case is not None and reads_case(deps, principal, case)
    asked: list[Document] = []
    if case is not None and not granted and principal.has(Role.AGENCY_SUBMITTER):
        asked = [
            r
            for r in await deps.repo.records_for(case_id, "information_request")
            if r["facts"]["agency"] == principal.agency
            and sees_record(deps, principal, r, r["facts"]["agency"])
        ]
    await audit_read(deps, case_id, principal, reason, granted=granted or bool(asked))
    if case is None or not (granted or asked):
        raise CaseNotFound(case_id)
    if not granted:
        return await _asked_view(deps, case, asked, principal)
    records = await deps.repo.records_for(case_id)
    for request in [r for r in records if r["kind"] == "information_request"]:
        returns = await deps.repo.records_for(request["_id"], "return")
        # An agency's return is its own: the case's agency does not read another's IMR.
        records.extend(r for r in returns if sees_record(deps, principal, r))
    corrections = [r for r in records if r["kind"] == "correction"]
    standing = _standing(deps, case, corrections)
    personal = _personal(deps, case)
    return {
        "case_id": case_id,
        "reference": case["reference"],
        "agency": case["agency"],
        "created_at": case["created_at"],
        "facts": case["facts"],
        "personal": personal,
        "standing": {
            "aware_date": standing.aware_date.isoformat(),
            "incident": standing.incident.model_dump(mode="json"),
            "children": [c.model_dump(mode="json") for c in standing.children],
            "personal_children": list(standing.personal_children),
        },
        "sin_submission": case.get("sin_submission"),
        "rapid_review": rapid_review_state(records),
        "not_processed": await not_processed.for_subject(deps.repo, case_id, principal),
        "history": [public_view(deps, r) for r in records],
        "outbox_pending": len(case["outbox_pending"]),
    }


async def _asked_view(
    deps: IntakeDeps, case: Document, requests: list[Document], principal: Principal
) -> dict[str, Any]:
    """What an agency asked for information needs to answer, and no more: the case's
    reference, the incident's kind, date and place, who the child is (name and date of
    birth, to find its own records: not the address or the report's words), the requests
    made to it and its own returns."""
    corrections = await deps.repo.records_for(case["_id"], "correction")
    standing = _standing(deps, case, corrections)
    history = list(requests)
    for request in requests:
        returns = await deps.repo.records_for(request["_id"], "return")
        history.extend(r for r in returns if sees_record(deps, principal, r))
    return {
        "case_id": case["_id"],
        "reference": case["reference"],
        "view": "asked_agency",
        "incident": standing.incident.model_dump(mode="json"),
        "children": [
            {"name": c.get("name"), "date_of_birth": c.get("date_of_birth")}
            for c in standing.personal_children
        ],
        "requests": [public_view(deps, r) for r in history],
    }


async def record_on_case(
    case_id: str,
    command: BaseModel,
    principal: Principal,
    deps: IntakeDeps,
    *,
    kind: str,
    slot: str | None,
    make: Any,
    personal: dict[str, Any] | None,
    idempotency_key: str | None,
    traceparent: str | None,
) -> Recorded:
    """A fact about a case: once-only when ``slot`` is given, else the next in a sequence."""
    case = await case_for(deps, case_id, principal, oversight=True)
    await _not_before_the_incident(deps, case, command)

    async def draft(now: datetime) -> Draft:
        seq = 0
        if slot is None:
            seq = len(await deps.repo.records_for(case_id, kind)) + 1
        record_id = f"{case_id}:{slot or kind}" + (f":{seq}" if slot is None else "")
        event: EventData = make(record_id, now)
        facts = event.model_dump(mode="json")
        return Draft(
            kind=kind,
            record_id=record_id,
            subject_id=case_id,
            owner_agency=case["agency"],
            seq=seq,
            facts=facts,
            personal=personal,
            events=(Outgoing(event, case_id),),
            result={"case_id": case_id, "record_id": record_id, "kind": kind, "facts": facts},
        )

    return await record_once(
        deps,
        principal,
        kind=kind,
        fingerprint=request_fingerprint(deps, kind, case_id, command),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
        draft=draft,
        conflict=f"{kind.replace('_', ' ')} was already recorded for this case",
    )


async def record_stated(
    event: type[EventData],
    case_id: str,
    command: BaseModel,
    principal: Principal,
    deps: IntakeDeps,
    *,
    kind: str,
    slot: str | None,
    sealed: str | None = None,
    **kw: Any,
) -> Recorded:
    """A fact on a case whose ``event`` states the command as it came, but for its one field
    of people's own words (``sealed``), kept encrypted on the record and off the bus."""
    left_out = {sealed} if sealed else set()
    return await record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind=kind,
        slot=slot,
        personal={sealed: getattr(command, sealed)} if sealed else None,
        make=lambda _rid, now: event(
            case_id=case_id, recorded_at=now, **command.model_dump(exclude=left_out)
        ),
        **kw,
    )


def dates_in(model: BaseModel, prefix: str = "") -> list[tuple[str, date]]:
    """Every date a command carries, with its field path (dotted)."""
    found: list[tuple[str, date]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, date):
            found.append((path, value))
        elif isinstance(value, BaseModel):
            found.extend(dates_in(value, f"{path}."))
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found.extend(dates_in(item, f"{path}.{i}."))
    return found


async def _not_before_the_incident(deps: IntakeDeps, case: Document, command: BaseModel) -> None:
    """Nothing about an incident happens, or falls due, before the incident itself (an
    LCSPR decided, a Rapid Review held, a request made before it is a typing error)."""
    corrections = await deps.repo.records_for(case["_id"], "correction")
    standing = corrections[-1]["facts"] if corrections else case["facts"]
    incident = date.fromisoformat(standing["incident"]["date"])
    for field, value in dates_in(command):
        if value < incident:
            raise InvalidFact(f"{field} {value} is before the incident ({incident})", field=field)

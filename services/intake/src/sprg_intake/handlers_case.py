"""Inputs about an incident case: corrections, the Rapid Review, the LCSPR, and reading it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from sprg_intake.commands import (
    CloseRapidReview,
    CorrectIncident,
    DecideLcspr,
    RecordLcsprFactors,
    RecordLcsprProgress,
    RecordLcsprPublication,
    RecordRapidReview,
    RecordSentToPanel,
    RequestInformation,
)
from sprg_intake.domain.corrections import CorrectionRefused, Standing, correct
from sprg_intake.domain.documents import checked_type
from sprg_intake.handlers import CaseNotFound, IntakeDeps, InvalidFact, may_read
from sprg_intake.recording import (
    Draft,
    Outgoing,
    Recorded,
    append,
    audit_read,
    case_for,
    idem_for,
    may_see,
    opened,
    public_view,
    replayed,
    request_fingerprint,
)
from sprg_shared.auth import Principal
from sprg_shared.envelope import EventData
from sprg_shared.events import (
    ChildFacts,
    FactorRecord,
    IncidentCorrected,
    IncidentFacts,
    InformationRequested,
    LcsprDecided,
    LcsprFactorsRecorded,
    LcsprProgressed,
    LcsprPublicationRecorded,
    PurposeOutcome,
    RapidReviewClosed,
    RapidReviewHeld,
    RapidReviewSentToPanel,
    ReturnReceived,
)
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
        personal = json.loads(deps.sealer.open(case["personal"], case_id=case["_id"]))
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
    fingerprint = request_fingerprint(deps, "correction", case_id, command)
    idem = idem_for("correction", principal, idempotency_key)
    if (again := await replayed(deps, idem, fingerprint)) is not None:
        return again
    corrections = await deps.repo.records_for(case_id, "correction")
    current = _standing(deps, case, corrections)
    try:
        corrected = correct(current, command)
    except CorrectionRefused as exc:
        raise InvalidFact(str(exc)) from exc
    now, seq = deps.now(), len(corrections) + 1
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
    return await append(
        deps,
        principal,
        Draft(
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
        ),
        idem=idem,
        fingerprint=fingerprint,
        now=now,
        traceparent=traceparent,
        conflict="the case was corrected meanwhile; read it and correct again",
    )


async def read_case(
    case_id: str, principal: Principal, deps: IntakeDeps, *, reason: str
) -> dict[str, Any]:
    """The case as it now stands, its history, the words; every attempt audited."""
    case = await deps.repo.get(case_id)
    granted = case is not None and may_read(principal, case)
    await audit_read(deps, case_id, principal, reason, granted=granted)
    if case is None or not granted:
        raise CaseNotFound(case_id)
    records = await deps.repo.records_for(case_id)
    for request in [r for r in records if r["kind"] == "information_request"]:
        returns = await deps.repo.records_for(request["_id"], "return")
        # An agency's return is its own: the case's agency does not read another's IMR.
        records.extend(r for r in returns if may_see(principal, r["agency"]))
    corrections = [r for r in records if r["kind"] == "correction"]
    standing = _standing(deps, case, corrections)
    personal = json.loads(deps.sealer.open(case["personal"], case_id=case_id))
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
        "history": [public_view(deps, r) for r in records],
        "outbox_pending": len(case["outbox_pending"]),
    }


# --- Rapid Review ----------------------------------------------------------------------------


async def _record_on_case(
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
    fingerprint = request_fingerprint(deps, kind, case_id, command)
    idem = idem_for(kind, principal, idempotency_key)
    if (again := await replayed(deps, idem, fingerprint)) is not None:
        return again
    seq = 0
    if slot is None:
        seq = len(await deps.repo.records_for(case_id, kind)) + 1
    record_id = f"{case_id}:{slot or kind}" + (f":{seq}" if slot is None else "")
    now = deps.now()
    event: EventData = make(record_id, now)
    facts = event.model_dump(mode="json")
    return await append(
        deps,
        principal,
        Draft(
            kind=kind,
            record_id=record_id,
            subject_id=case_id,
            owner_agency=case["agency"],
            seq=seq,
            facts=facts,
            personal=personal,
            events=(Outgoing(event, case_id),),
            result={"case_id": case_id, "record_id": record_id, "kind": kind, "facts": facts},
        ),
        idem=idem,
        fingerprint=fingerprint,
        now=now,
        traceparent=traceparent,
        conflict=f"{kind.replace('_', ' ')} was already recorded for this case",
    )


async def request_information(
    case_id: str, command: RequestInformation, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await _record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="information_request",
        slot=None,
        personal=None,
        make=lambda rid, now: InformationRequested(
            case_id=case_id, request_id=rid, requested_at=now, **command.model_dump()
        ),
        **kw,
    )


async def receive_return(
    case_id: str,
    request_id: str,
    received_date: date,
    notes: str | None,
    uploads: list[Upload],
    principal: Principal,
    deps: IntakeDeps,
    *,
    idempotency_key: str | None,
    traceparent: str | None,
) -> Recorded:
    """An agency's return to a request, with its documents sealed inside the same record."""
    request = await deps.repo.get_record(request_id)
    if (
        request is None
        or request["kind"] != "information_request"
        or request["subject_id"] != case_id
        or not may_see(principal, request["facts"]["agency"])
    ):
        raise CaseNotFound(request_id)
    kinds = [checked_type(u.filename, u.declared_type, u.content) for u in uploads]
    digest = deps.fingerprint(b"".join(u.content for u in uploads))
    scope = f"{request_id}\x1f{received_date}\x1f{notes}\x1f{digest}"
    fingerprint = deps.fingerprint(f"return\x1f{scope}".encode())
    idem = idem_for("return", principal, idempotency_key)
    if (again := await replayed(deps, idem, fingerprint)) is not None:
        return again
    seq = len(await deps.repo.records_for(request_id, "return")) + 1
    record_id = f"{request_id}:return:{seq}"
    now = deps.now()
    agency = request["facts"]["agency"]
    event = ReturnReceived(
        case_id=case_id,
        request_id=request_id,
        agency=agency,
        received_date=received_date,
        documents=len(uploads),
        received_at=now,
    )
    attachments = [
        {
            "type": kind,
            "size": len(u.content),
            "sealed": deps.sealer.seal(
                json.dumps({"filename": u.filename}).encode() + b"\n" + u.content,
                case_id=f"{record_id}:{n}",
            ),
        }
        for n, (u, kind) in enumerate(zip(uploads, kinds, strict=True))
    ]
    documents = [
        {
            "n": n,
            "type": a["type"],
            "size": a["size"],
            "href": f"/v1/returns/{record_id}/documents/{n}",
        }
        for n, a in enumerate(attachments)
    ]
    facts = {**event.model_dump(mode="json"), "documents_stored": documents}
    return await append(
        deps,
        principal,
        Draft(
            kind="return",
            record_id=record_id,
            subject_id=request_id,
            owner_agency=agency,
            seq=seq,
            facts=facts,
            personal={"notes": notes, "filenames": [u.filename for u in uploads]},
            events=(Outgoing(event, case_id),),
            result={"case_id": case_id, "return_id": record_id, "facts": facts},
            extra={"case_id": case_id, "attachments": attachments},
        ),
        idem=idem,
        fingerprint=fingerprint,
        now=now,
        traceparent=traceparent,
        conflict="a return was recorded meanwhile; send it again",
    )


async def read_document(
    return_id: str, n: int, principal: Principal, deps: IntakeDeps, *, reason: str
) -> tuple[str, str, bytes]:
    """(filename, type, bytes) of a returned document, for an entitled caller; audited."""
    record = await deps.repo.get_record(return_id)
    granted = (
        record is not None
        and record["kind"] == "return"
        and may_see(principal, record["agency"])
        and 0 <= n < len(record.get("attachments", []))
    )
    await audit_read(deps, return_id, principal, reason, granted=granted)
    if record is None or not granted:
        raise CaseNotFound(return_id)
    attachment = record["attachments"][n]
    head, _, content = deps.sealer.open(attachment["sealed"], case_id=f"{return_id}:{n}").partition(
        b"\n"
    )
    return json.loads(head)["filename"], attachment["type"], content


async def record_rapid_review(
    case_id: str, command: RecordRapidReview, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await _record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="rapid_review_held",
        slot="rapid_review_held",
        personal={"notes": {p.purpose: p.notes for p in command.purposes}},
        make=lambda _rid, now: RapidReviewHeld(
            case_id=case_id,
            held_date=command.held_date,
            purposes=tuple(
                PurposeOutcome(purpose=p.purpose, addressed=p.addressed) for p in command.purposes
            ),
            recommendation=command.recommendation,
            recorded_at=now,
        ),
        **kw,
    )


async def record_sent_to_panel(
    case_id: str, command: RecordSentToPanel, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await _record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="rapid_review_sent_to_panel",
        slot="rapid_review_sent_to_panel",
        personal=None,
        make=lambda _rid, now: RapidReviewSentToPanel(
            case_id=case_id, sent_date=command.sent_date, recorded_at=now
        ),
        **kw,
    )


async def close_rapid_review(
    case_id: str, command: CloseRapidReview, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await _record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="rapid_review_closed",
        slot="rapid_review_closed",
        personal={"rationale": command.rationale},
        make=lambda _rid, now: RapidReviewClosed(
            case_id=case_id, closed_date=command.closed_date, reason=command.reason, recorded_at=now
        ),
        **kw,
    )


# --- LCSPR ----------------------------------------------------------------------------------


async def record_lcspr_factors(
    case_id: str, command: RecordLcsprFactors, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await _record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="lcspr_factors",
        slot=None,
        personal={"explanations": {k: f.explanation for k, f in command.factors.items()}},
        make=lambda _rid, now: LcsprFactorsRecorded(
            case_id=case_id,
            serious_child_safeguarding_case=command.serious_child_safeguarding_case,
            factors={k: FactorRecord(present=f.present) for k, f in command.factors.items()},
            recorded_at=now,
        ),
        **kw,
    )


async def decide_lcspr(
    case_id: str, command: DecideLcspr, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await _record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="lcspr_decision",
        slot="lcspr_decision",
        personal={"rationale": command.rationale},
        make=lambda _rid, now: LcsprDecided(
            case_id=case_id,
            recorded_at=now,
            **command.model_dump(exclude={"rationale"}),
        ),
        **kw,
    )


async def record_lcspr_progress(
    case_id: str, command: RecordLcsprProgress, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await _record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="lcspr_progress",
        slot=f"lcspr_progress:{command.milestone}",
        personal=None,
        make=lambda _rid, now: LcsprProgressed(
            case_id=case_id, recorded_at=now, **command.model_dump()
        ),
        **kw,
    )


async def record_lcspr_publication(
    case_id: str,
    command: RecordLcsprPublication,
    principal: Principal,
    deps: IntakeDeps,
    **kw: Any,
) -> Recorded:
    return await _record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="lcspr_publication",
        slot=None,
        personal={"reason_not_publishing": command.reason_not_publishing},
        make=lambda _rid, now: LcsprPublicationRecorded(
            case_id=case_id,
            recorded_at=now,
            **command.model_dump(exclude={"reason_not_publishing"}),
        ),
        **kw,
    )

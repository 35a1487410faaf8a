"""The Rapid Review: information requests, returns with documents, outcome, Panel, closure."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from sprg_intake.domain.commands import (
    CloseRapidReview,
    RecordNotice,
    RecordRapidReview,
    RecordSentToPanel,
    RequestInformation,
)
from sprg_intake.domain.documents import checked_type
from sprg_intake.handlers.case import Upload, record_on_case, record_stated
from sprg_intake.handlers.incident import CaseNotFound, IntakeDeps, InvalidFact
from sprg_intake.handlers.recording import (
    Draft,
    Outgoing,
    Recorded,
    audit_read,
    record_once,
    sees_record,
)
from sprg_shared.auth import Principal
from sprg_shared.contracts.intake import (
    CaseNoticeRecorded,
    InformationRequested,
    PurposeOutcome,
    RapidReviewClosed,
    RapidReviewHeld,
    RapidReviewSentToPanel,
    ReturnReceived,
)


async def request_information(
    case_id: str, command: RequestInformation, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    case = await deps.repo.get(case_id)
    reference = None if case is None else case.get("reference")
    return await record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind="information_request",
        slot=None,
        personal=None,
        make=lambda rid, now: InformationRequested(
            case_id=case_id,
            request_id=rid,
            requested_at=now,
            reference=reference,
            **command.model_dump(),
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
        or not sees_record(deps, principal, request, request["facts"]["agency"])
    ):
        raise CaseNotFound(request_id)
    kinds = [checked_type(u.filename, u.declared_type, u.content) for u in uploads]
    digest = deps.fingerprint(b"".join(u.content for u in uploads))
    scope = f"{request_id}\x1f{received_date}\x1f{notes}\x1f{digest}"
    agency = request["facts"]["agency"]

    async def draft(now: datetime) -> Draft:
        seq = len(await deps.repo.records_for(request_id, "return")) + 1
        record_id = f"{request_id}:return:{seq}"
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
        return Draft(
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
        )

    return await record_once(
        deps,
        principal,
        kind="return",
        fingerprint=deps.fingerprint(f"return\x1f{scope}".encode()),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
        draft=draft,
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
        and sees_record(deps, principal, record)
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
    return await record_on_case(
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
            partners_view=command.partners_view,
            recorded_at=now,
        ),
        **kw,
    )


async def record_dfe_ofsted_notification(
    case_id: str, command: RecordNotice, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    """The local authority notified the DfE and Ofsted of a looked-after child's or care
    leaver's death (once; the scheduler meets the 5-working-day clock with it)."""
    return await _notice(case_id, "dfe_ofsted", command, principal, deps, **kw)


async def record_csab_liaison(
    case_id: str, command: RecordNotice, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    """The partnership liaised with the Croydon Safeguarding Adults Board (once)."""
    return await _notice(case_id, "csab_liaison", command, principal, deps, **kw)


async def _notice(
    case_id: str,
    notice: Literal["dfe_ofsted", "csab_liaison"],
    command: RecordNotice,
    principal: Principal,
    deps: IntakeDeps,
    **kw: Any,
) -> Recorded:
    case = await deps.repo.get(case_id)
    if case is not None:
        corrections = await deps.repo.records_for(case_id, "correction")
        facts = corrections[-1]["facts"] if corrections else case["facts"]
        if not _notice_applies(notice, facts):
            raise InvalidFact(f"{notice}: {_NOT_APPLYING[notice]}")
    return await record_on_case(
        case_id,
        command,
        principal,
        deps,
        kind=f"{notice}_notice",
        slot=f"{notice}_notice",
        personal=None,
        make=lambda _rid, now: CaseNoticeRecorded(
            case_id=case_id,
            notice=notice,
            notified_date=command.notified_date,
            recorded_at=now,
            recorded_by_agency=principal.agency,
        ),
        **kw,
    )


_NOT_APPLYING = {
    "dfe_ofsted": "the case is not the death of a looked-after child or of a care leaver under 25",
    "csab_liaison": "the case is not the death of a care leaver aged 18 to 24",
}


def _notice_applies(notice: str, facts: dict[str, Any]) -> bool:
    """Whether the case, as it now stands, is one the notice is owed for (domain.md s2)."""
    if facts["incident"]["kind"] != "death":
        return False
    children = facts["children"]
    if notice == "dfe_ofsted":
        return any(
            c["looked_after"] or (c["care_leaver"] and c["age_years"] < 25) for c in children
        )
    return any(c["care_leaver"] and 18 <= c["age_years"] < 25 for c in children)


async def record_sent_to_panel(
    case_id: str, command: RecordSentToPanel, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    """The copy goes to the Panel once the Rapid Review is complete: not before its outcome
    is recorded, nor dated before it was held."""
    held = await deps.repo.get_record(f"{case_id}:rapid_review_held")
    if held is None:
        raise InvalidFact(
            "the Rapid Review's outcome is not recorded yet: record it (with the partners' "
            "view) before the copy to the Panel",
            field="sent_date",
        )
    held_date = date.fromisoformat(held["facts"]["held_date"])
    if command.sent_date < held_date:
        raise InvalidFact(
            f"sent_date {command.sent_date} is before the Rapid Review was held ({held_date})",
            field="sent_date",
        )
    return await record_stated(
        RapidReviewSentToPanel,
        case_id,
        command,
        principal,
        deps,
        kind="rapid_review_sent_to_panel",
        slot="rapid_review_sent_to_panel",
        **kw,
    )


async def close_rapid_review(
    case_id: str, command: CloseRapidReview, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await record_stated(
        RapidReviewClosed,
        case_id,
        command,
        principal,
        deps,
        kind="rapid_review_closed",
        slot="rapid_review_closed",
        sealed="rationale",
        **kw,
    )

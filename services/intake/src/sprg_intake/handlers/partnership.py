"""Cases of Concern, escalations and the Business Team's tags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sprg_intake.domain import escalations
from sprg_intake.domain.commands import (
    RaiseEscalation,
    ReferCaseOfConcern,
    TagReview,
    TriageCaseOfConcern,
    UpdateEscalation,
)
from sprg_intake.handlers.incident import IntakeDeps, InvalidFact
from sprg_intake.handlers.recording import (
    Recorded,
    subject_for,
)
from sprg_intake.handlers.subjects import follow_subject, open_subject
from sprg_shared.auth import Principal
from sprg_shared.contracts.intake import (
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    CaseTagged,
    EscalationRecorded,
)
from sprg_shared.envelope import EventData
from sprg_shared.store import Document

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

    return await open_subject(
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

    return await follow_subject(
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

    return await open_subject(
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

    return await follow_subject(
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

    return await open_subject(
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

"""An escalation as it now stands, folded from its records in the order they were made."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sprg_intake.domain.commands import UpdateEscalation
from sprg_shared.contracts.intake import EscalationStep


class EscalationRefused(ValueError):
    """The update does not fit the escalation as it stands."""


@dataclass(frozen=True)
class EscalationState:
    stage: int
    stage_started_date: date
    history: tuple[EscalationStep, ...]
    resolved_date: date | None = None
    copy_to_cscp_date: date | None = None


def opened(stage: int, started: date, copy_to_cscp: date | None) -> EscalationState:
    return EscalationState(
        stage=stage,
        stage_started_date=started,
        history=(EscalationStep(stage=stage, started_date=started),),
        copy_to_cscp_date=copy_to_cscp,
    )


def updated(state: EscalationState, command: UpdateEscalation) -> EscalationState:
    if state.resolved_date is not None:
        raise EscalationRefused(f"the escalation was resolved on {state.resolved_date}")
    new = state
    if command.stage is not None and command.stage_started_date is not None:
        if command.stage <= state.stage:
            raise EscalationRefused(f"stage {command.stage} is not after stage {state.stage}")
        if command.stage_started_date < state.stage_started_date:
            raise EscalationRefused("the new stage cannot start before the current one")
        step = EscalationStep(stage=command.stage, started_date=command.stage_started_date)
        new = replace(
            new,
            stage=command.stage,
            stage_started_date=command.stage_started_date,
            history=(*new.history, step),
        )
    if command.resolved_date is not None:
        if command.resolved_date < new.stage_started_date:
            raise EscalationRefused("resolved_date is before the current stage started")
        new = replace(new, resolved_date=command.resolved_date)
    if command.copy_to_cscp_date is not None:
        new = replace(new, copy_to_cscp_date=command.copy_to_cscp_date)
    return new

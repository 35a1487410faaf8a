"""The LCSPR: factors weighed, the decision and methodology, milestones, publication."""

from __future__ import annotations

from typing import Any

from sprg_intake.domain.commands import (
    DecideLcspr,
    RecordLcsprFactors,
    RecordLcsprProgress,
    RecordLcsprPublication,
)
from sprg_intake.handlers.case import record_on_case, record_stated
from sprg_intake.handlers.incident import IntakeDeps
from sprg_intake.handlers.recording import (
    Recorded,
)
from sprg_shared.auth import Principal
from sprg_shared.contracts.intake import (
    FactorRecord,
    LcsprDecided,
    LcsprFactorsRecorded,
    LcsprProgressed,
    LcsprPublicationRecorded,
)

# --- LCSPR ----------------------------------------------------------------------------------


async def record_lcspr_factors(
    case_id: str, command: RecordLcsprFactors, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await record_on_case(
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
    return await record_stated(
        LcsprDecided,
        case_id,
        command,
        principal,
        deps,
        kind="lcspr_decision",
        slot="lcspr_decision",
        sealed="rationale",
        **kw,
    )


async def record_lcspr_progress(
    case_id: str, command: RecordLcsprProgress, principal: Principal, deps: IntakeDeps, **kw: Any
) -> Recorded:
    return await record_stated(
        LcsprProgressed,
        case_id,
        command,
        principal,
        deps,
        kind="lcspr_progress",
        slot=f"lcspr_progress:{command.milestone}",
        **kw,
    )


async def record_lcspr_publication(
    case_id: str,
    command: RecordLcsprPublication,
    principal: Principal,
    deps: IntakeDeps,
    **kw: Any,
) -> Recorded:
    return await record_stated(
        LcsprPublicationRecorded,
        case_id,
        command,
        principal,
        deps,
        kind="lcspr_publication",
        slot=None,
        sealed="reason_not_publishing",
        **kw,
    )

"""Routes for every input beyond the first report. Thin: payload -> command -> handler.

Written out route by route so FastAPI and mypy see each route's types.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from sprg_intake import examples as ex
from sprg_intake import handlers_case as case
from sprg_intake import handlers_lcspr as lcspr
from sprg_intake import handlers_partnership as partnership
from sprg_intake import handlers_rapid_review as rapid_review
from sprg_intake import handlers_sprg as sprg
from sprg_intake.access import allowed
from sprg_intake.commands import (
    CloseRapidReview,
    CorrectIncident,
    DecideLcspr,
    RaiseEscalation,
    RecordAction,
    RecordAttendance,
    RecordLcsprFactors,
    RecordLcsprProgress,
    RecordLcsprPublication,
    RecordMember,
    RecordMinutes,
    RecordRapidReview,
    RecordSentToPanel,
    ReferCaseOfConcern,
    RequestInformation,
    ScheduleMeeting,
    ShareLearning,
    TagReview,
    TriageCaseOfConcern,
    UpdateAction,
    UpdateEscalation,
)
from sprg_intake.handlers import IntakeDeps
from sprg_intake.recording import Recorded
from sprg_intake.web_common import IdempotencyKey, Traceparent
from sprg_shared.auth import Principal

router = APIRouter()


def _deps(request: Request) -> IntakeDeps:
    deps: IntakeDeps = request.app.state.deps
    return deps


def _respond(response: Response, recorded: Recorded) -> dict[str, Any]:
    if recorded.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return recorded.result


@router.post(
    "/v1/cases/{case_id}/corrections",
    status_code=201,
    name="correct_incident",
    tags=["incidents"],
    summary="Correct a fact of an incident report (kept beside the old, never over it)",
)
async def correct_incident(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[CorrectIncident, Body(openapi_examples=ex.example(ex.CORRECTION))],
    principal: Annotated[Principal, allowed("correct_incident")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await case.correct_incident(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases-of-concern",
    status_code=201,
    name="refer_case_of_concern",
    tags=["cases of concern"],
    summary="Refer a Case of Concern (the CoC form; any agency)",
)
async def refer_case_of_concern(
    request: Request,
    response: Response,
    command: Annotated[ReferCaseOfConcern, Body(openapi_examples=ex.example(ex.CASE_OF_CONCERN))],
    principal: Annotated[Principal, allowed("refer_case_of_concern")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await partnership.refer_case_of_concern(
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases-of-concern/{coc_id}/triage",
    status_code=201,
    name="triage_case_of_concern",
    tags=["cases of concern"],
    summary="Record the Business Manager's triage of a Case of Concern",
)
async def triage_case_of_concern(
    request: Request,
    response: Response,
    coc_id: str,
    command: Annotated[TriageCaseOfConcern, Body(openapi_examples=ex.example(ex.TRIAGE))],
    principal: Annotated[Principal, allowed("triage_case_of_concern")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await partnership.triage_case_of_concern(
        coc_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/escalations",
    status_code=201,
    name="raise_escalation",
    tags=["escalations"],
    summary="Record an escalation (Escalation and Resolution Policy)",
)
async def raise_escalation(
    request: Request,
    response: Response,
    command: Annotated[RaiseEscalation, Body(openapi_examples=ex.example(ex.ESCALATION))],
    principal: Annotated[Principal, allowed("raise_escalation")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await partnership.raise_escalation(
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/escalations/{escalation_id}/updates",
    status_code=201,
    name="update_escalation",
    tags=["escalations"],
    summary="Record an escalation's next stage, its resolution or the copy to the CSCP",
)
async def update_escalation(
    request: Request,
    response: Response,
    escalation_id: str,
    command: Annotated[UpdateEscalation, Body(openapi_examples=ex.example(ex.ESCALATION_UPDATE))],
    principal: Annotated[Principal, allowed("update_escalation")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await partnership.update_escalation(
        escalation_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/tags",
    status_code=201,
    name="tag_review",
    tags=["reviews"],
    summary="Record a review's themes and features (the whole set)",
)
async def tag_review(
    request: Request,
    response: Response,
    command: Annotated[TagReview, Body(openapi_examples=ex.example(ex.TAGS))],
    principal: Annotated[Principal, allowed("tag_review")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await partnership.tag_review(
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases/{case_id}/information-requests",
    status_code=201,
    name="request_information",
    tags=["rapid review"],
    summary="Ask an agency for information or an IMR by a deadline",
)
async def request_information(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[
        RequestInformation, Body(openapi_examples=ex.example(ex.INFORMATION_REQUEST))
    ],
    principal: Annotated[Principal, allowed("request_information")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await rapid_review.request_information(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases/{case_id}/rapid-review/outcome",
    status_code=201,
    name="record_rapid_review",
    tags=["rapid review"],
    summary="Record the Rapid Review meeting's outcome on its four purposes",
)
async def record_rapid_review(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[RecordRapidReview, Body(openapi_examples=ex.example(ex.RAPID_REVIEW))],
    principal: Annotated[Principal, allowed("record_rapid_review")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await rapid_review.record_rapid_review(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases/{case_id}/rapid-review/sent-to-panel",
    status_code=201,
    name="record_sent_to_panel",
    tags=["rapid review"],
    summary="Record that the Rapid Review was sent to the Panel",
)
async def record_sent_to_panel(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[RecordSentToPanel, Body(openapi_examples=ex.example(ex.SENT_TO_PANEL))],
    principal: Annotated[Principal, allowed("record_sent_to_panel")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await rapid_review.record_sent_to_panel(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases/{case_id}/rapid-review/closure",
    status_code=201,
    name="close_rapid_review",
    tags=["rapid review"],
    summary="Close a Rapid Review: the SIN criteria were not met",
)
async def close_rapid_review(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[CloseRapidReview, Body(openapi_examples=ex.example(ex.CLOSURE))],
    principal: Annotated[Principal, allowed("close_rapid_review")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await rapid_review.close_rapid_review(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases/{case_id}/lcspr/factors",
    status_code=201,
    name="record_lcspr_factors",
    tags=["lcspr"],
    summary="Record the factors weighed for an LCSPR (reg. 11)",
)
async def record_lcspr_factors(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[RecordLcsprFactors, Body(openapi_examples=ex.example(ex.FACTORS))],
    principal: Annotated[Principal, allowed("record_lcspr_factors")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await lcspr.record_lcspr_factors(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases/{case_id}/lcspr/decision",
    status_code=201,
    name="decide_lcspr",
    tags=["lcspr"],
    summary="Record the decision to commission an LCSPR or not, with the methodology",
)
async def decide_lcspr(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[DecideLcspr, Body(openapi_examples=ex.example(ex.DECISION))],
    principal: Annotated[Principal, allowed("decide_lcspr")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await lcspr.decide_lcspr(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases/{case_id}/lcspr/progress",
    status_code=201,
    name="record_lcspr_progress",
    tags=["lcspr"],
    summary="Record an LCSPR milestone (incl. the report sent to the Panel and SoS)",
)
async def record_lcspr_progress(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[RecordLcsprProgress, Body(openapi_examples=ex.example(ex.PROGRESS))],
    principal: Annotated[Principal, allowed("record_lcspr_progress")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await lcspr.record_lcspr_progress(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/cases/{case_id}/lcspr/publication",
    status_code=201,
    name="record_lcspr_publication",
    tags=["lcspr"],
    summary="Record an LCSPR's publication, or the reason for not publishing",
)
async def record_lcspr_publication(
    request: Request,
    response: Response,
    case_id: str,
    command: Annotated[RecordLcsprPublication, Body(openapi_examples=ex.example(ex.PUBLICATION))],
    principal: Annotated[Principal, allowed("record_lcspr_publication")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await lcspr.record_lcspr_publication(
        case_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/meetings",
    status_code=201,
    name="schedule_meeting",
    tags=["sprg"],
    summary="Schedule an SPRG meeting with its chair",
)
async def schedule_meeting(
    request: Request,
    response: Response,
    command: Annotated[ScheduleMeeting, Body(openapi_examples=ex.example(ex.MEETING))],
    principal: Annotated[Principal, allowed("schedule_meeting")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await sprg.schedule_meeting(
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/meetings/{meeting_id}/attendance",
    status_code=201,
    name="record_attendance",
    tags=["sprg"],
    summary="Record attendance, apologies and proxies",
)
async def record_attendance(
    request: Request,
    response: Response,
    meeting_id: str,
    command: Annotated[RecordAttendance, Body(openapi_examples=ex.example(ex.ATTENDANCE))],
    principal: Annotated[Principal, allowed("record_attendance")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await sprg.record_attendance(
        meeting_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/meetings/{meeting_id}/minutes",
    status_code=201,
    name="record_minutes",
    tags=["sprg"],
    summary="Record a meeting's minutes (kept encrypted, not published)",
)
async def record_minutes(
    request: Request,
    response: Response,
    meeting_id: str,
    command: Annotated[RecordMinutes, Body(openapi_examples=ex.example(ex.MINUTES))],
    principal: Annotated[Principal, allowed("record_minutes")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await sprg.record_minutes(
        meeting_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/actions",
    status_code=201,
    name="record_action",
    tags=["sprg"],
    summary="Record an action with its owner and due date",
)
async def record_action(
    request: Request,
    response: Response,
    command: Annotated[RecordAction, Body(openapi_examples=ex.example(ex.ACTION))],
    principal: Annotated[Principal, allowed("record_action")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await sprg.record_action(
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/actions/{action_id}/updates",
    status_code=201,
    name="update_action",
    tags=["sprg"],
    summary="Record progress on an action",
)
async def update_action(
    request: Request,
    response: Response,
    action_id: str,
    command: Annotated[UpdateAction, Body(openapi_examples=ex.example(ex.ACTION_UPDATE))],
    principal: Annotated[Principal, allowed("update_action")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await sprg.update_action(
        action_id,
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/learning",
    status_code=201,
    name="share_learning",
    tags=["sprg"],
    summary="Record learning shared and its impact",
)
async def share_learning(
    request: Request,
    response: Response,
    command: Annotated[ShareLearning, Body(openapi_examples=ex.example(ex.LEARNING))],
    principal: Annotated[Principal, allowed("share_learning")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await sprg.share_learning(
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)


@router.post(
    "/v1/membership/members",
    status_code=201,
    name="record_member",
    tags=["sprg"],
    summary="Record who holds an SPRG seat, and their proxies",
)
async def record_member(
    request: Request,
    response: Response,
    command: Annotated[RecordMember, Body(openapi_examples=ex.example(ex.MEMBER))],
    principal: Annotated[Principal, allowed("record_member")],
    idempotency_key: IdempotencyKey = None,
    traceparent: Traceparent = None,
) -> dict[str, Any]:
    recorded = await sprg.record_member(
        command,
        principal,
        _deps(request),
        idempotency_key=idempotency_key,
        traceparent=traceparent,
    )
    return _respond(response, recorded)

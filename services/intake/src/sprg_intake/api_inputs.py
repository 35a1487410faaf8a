"""Routes for every input beyond the first report. Thin: payload -> command -> handler.

Every input is one row of ``INPUTS``: its path, its command (the body, with an example
in the OpenAPI document), and the handler, whose name is also the route's name and its
row in the access matrix (``sprg_shared.access.MATRIX``). Each answers 201 with what was recorded,
honours ``Idempotency-Key`` (a replay answers ``Idempotent-Replayed: true``) and
publishes under the request's ``traceparent``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel

from sprg_intake import agencies
from sprg_intake import examples as ex
from sprg_intake import handlers_case as case
from sprg_intake import handlers_lcspr as lcspr
from sprg_intake import handlers_partnership as partnership
from sprg_intake import handlers_rapid_review as rapid_review
from sprg_intake import handlers_sprg as sprg
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
    RecordNotice,
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
from sprg_shared.access import Caller
from sprg_shared.auth import Principal

router = APIRouter()

Handler = Callable[..., Awaitable[Recorded]]
"""``handler(*path_ids, command, principal, deps, idempotency_key=, traceparent=)``"""


@dataclass(frozen=True)
class Input:
    path: str
    tag: str
    summary: str
    command: type[BaseModel]
    example: dict[str, Any]
    handler: Handler

    @property
    def name(self) -> str:
        return self.handler.__name__

    @property
    def path_ids(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


INPUTS: tuple[Input, ...] = (
    Input(
        "/v1/cases/{case_id}/corrections",
        "incidents",
        "Correct a fact of an incident report (kept beside the old, never over it)",
        CorrectIncident,
        ex.CORRECTION,
        case.correct_incident,
    ),
    Input(
        "/v1/cases-of-concern",
        "cases of concern",
        "Refer a Case of Concern (the CoC form; any agency)",
        ReferCaseOfConcern,
        ex.CASE_OF_CONCERN,
        partnership.refer_case_of_concern,
    ),
    Input(
        "/v1/cases-of-concern/{coc_id}/triage",
        "cases of concern",
        "Record the Business Manager's triage of a Case of Concern",
        TriageCaseOfConcern,
        ex.TRIAGE,
        partnership.triage_case_of_concern,
    ),
    Input(
        "/v1/escalations",
        "escalations",
        "Record an escalation (Escalation and Resolution Policy)",
        RaiseEscalation,
        ex.ESCALATION,
        partnership.raise_escalation,
    ),
    Input(
        "/v1/escalations/{escalation_id}/updates",
        "escalations",
        "Record an escalation's next stage, its resolution or the copy to the CSCP",
        UpdateEscalation,
        ex.ESCALATION_UPDATE,
        partnership.update_escalation,
    ),
    Input(
        "/v1/tags",
        "reviews",
        "Record a review's themes and features (the whole set)",
        TagReview,
        ex.TAGS,
        partnership.tag_review,
    ),
    Input(
        "/v1/cases/{case_id}/information-requests",
        "rapid review",
        "Ask an agency for information or an IMR by a deadline",
        RequestInformation,
        ex.INFORMATION_REQUEST,
        rapid_review.request_information,
    ),
    Input(
        "/v1/cases/{case_id}/rapid-review/outcome",
        "rapid review",
        "Record the Rapid Review meeting's outcome on its four purposes",
        RecordRapidReview,
        ex.RAPID_REVIEW,
        rapid_review.record_rapid_review,
    ),
    Input(
        "/v1/cases/{case_id}/dfe-ofsted-notification",
        "incident",
        "Record that the local authority notified the DfE and Ofsted (a looked-after child's"
        " or care leaver's death)",
        RecordNotice,
        ex.NOTICE,
        rapid_review.record_dfe_ofsted_notification,
    ),
    Input(
        "/v1/cases/{case_id}/csab-liaison",
        "incident",
        "Record the liaison with the Croydon Safeguarding Adults Board (a care leaver aged"
        " 18 to 24)",
        RecordNotice,
        ex.NOTICE,
        rapid_review.record_csab_liaison,
    ),
    Input(
        "/v1/cases/{case_id}/rapid-review/sent-to-panel",
        "rapid review",
        "Record that the Rapid Review was sent to the Panel",
        RecordSentToPanel,
        ex.SENT_TO_PANEL,
        rapid_review.record_sent_to_panel,
    ),
    Input(
        "/v1/cases/{case_id}/rapid-review/closure",
        "rapid review",
        "Close a Rapid Review: the SIN criteria were not met",
        CloseRapidReview,
        ex.CLOSURE,
        rapid_review.close_rapid_review,
    ),
    Input(
        "/v1/cases/{case_id}/lcspr/factors",
        "lcspr",
        "Record the factors weighed for an LCSPR (reg. 11)",
        RecordLcsprFactors,
        ex.FACTORS,
        lcspr.record_lcspr_factors,
    ),
    Input(
        "/v1/cases/{case_id}/lcspr/decision",
        "lcspr",
        "Record the decision to commission an LCSPR or not, with the methodology",
        DecideLcspr,
        ex.DECISION,
        lcspr.decide_lcspr,
    ),
    Input(
        "/v1/cases/{case_id}/lcspr/progress",
        "lcspr",
        "Record an LCSPR milestone (incl. the report sent to the Panel and SoS)",
        RecordLcsprProgress,
        ex.PROGRESS,
        lcspr.record_lcspr_progress,
    ),
    Input(
        "/v1/cases/{case_id}/lcspr/publication",
        "lcspr",
        "Record an LCSPR's publication, or the reason for not publishing",
        RecordLcsprPublication,
        ex.PUBLICATION,
        lcspr.record_lcspr_publication,
    ),
    Input(
        "/v1/meetings",
        "sprg",
        "Schedule an SPRG meeting with its chair",
        ScheduleMeeting,
        ex.MEETING,
        sprg.schedule_meeting,
    ),
    Input(
        "/v1/meetings/{meeting_id}/attendance",
        "sprg",
        "Record attendance, apologies and proxies",
        RecordAttendance,
        ex.ATTENDANCE,
        sprg.record_attendance,
    ),
    Input(
        "/v1/meetings/{meeting_id}/minutes",
        "sprg",
        "Record a meeting's minutes (kept encrypted, not published)",
        RecordMinutes,
        ex.MINUTES,
        sprg.record_minutes,
    ),
    Input(
        "/v1/actions",
        "sprg",
        "Record an action with its owner and due date",
        RecordAction,
        ex.ACTION,
        sprg.record_action,
    ),
    Input(
        "/v1/actions/{action_id}/updates",
        "sprg",
        "Record progress on an action",
        UpdateAction,
        ex.ACTION_UPDATE,
        sprg.update_action,
    ),
    Input(
        "/v1/learning",
        "sprg",
        "Record learning shared and its impact",
        ShareLearning,
        ex.LEARNING,
        sprg.share_learning,
    ),
    Input(
        "/v1/membership/members",
        "sprg",
        "Record who holds an SPRG seat, and their proxies",
        RecordMember,
        ex.MEMBER,
        sprg.record_member,
    ),
)


def _deps(request: Request) -> IntakeDeps:
    deps: IntakeDeps = request.app.state.deps
    return deps


def _respond(response: Response, recorded: Recorded) -> dict[str, Any]:
    if recorded.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return recorded.result


def _endpoint(spec: Input) -> Callable[..., Awaitable[dict[str, Any]]]:
    """The route function for ``spec``, with the signature FastAPI reads its parameters
    from: the path's ids, the command as the body, the caller allowed by the matrix."""

    async def endpoint(
        request: Request,
        response: Response,
        command: BaseModel,
        principal: Principal,
        idempotency_key: str | None = None,
        traceparent: str | None = None,
        **ids: str,
    ) -> dict[str, Any]:
        agencies.refuse_unknown(command, request.app.state.known_agencies)
        recorded = await spec.handler(
            *(ids[name] for name in spec.path_ids),
            command,
            principal,
            _deps(request),
            idempotency_key=idempotency_key,
            traceparent=traceparent,
        )
        return _respond(response, recorded)

    def param(
        name: str, annotation: Any, default: Any = inspect.Parameter.empty
    ) -> inspect.Parameter:
        kind = inspect.Parameter.KEYWORD_ONLY
        return inspect.Parameter(name, kind, annotation=annotation, default=default)

    body = Annotated[spec.command, Body(openapi_examples=ex.example(spec.example))]  # type: ignore[name-defined]
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            param("request", Request),
            param("response", Response),
            *(param(name, str) for name in spec.path_ids),
            param("command", body),
            param("principal", Caller),
            param("idempotency_key", IdempotencyKey, None),
            param("traceparent", Traceparent, None),
        ],
        return_annotation=dict[str, Any],
    )
    endpoint.__name__ = endpoint.__qualname__ = spec.name
    return endpoint


for _input in INPUTS:
    router.add_api_route(
        _input.path,
        _endpoint(_input),
        methods=["POST"],
        status_code=201,
        name=_input.name,
        tags=[_input.tag],
        summary=_input.summary,
    )

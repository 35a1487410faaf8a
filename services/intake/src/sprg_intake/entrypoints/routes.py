"""Intake's one route shape: every HTTP door is a ``Route`` row, added by ``add_routes``.

Most rows are made from data: ``recording`` turns an input row (path, command, handler;
``api_inputs.INPUTS``) into a POST that records once and answers 201, ``reading`` turns a
read row into an audited GET that asks why (``?reason=``). The few doors whose answer has
its own shape (the first report, a multipart return, a document download) give their own
endpoint. Either way the route's name is the handler's, which is its row in the access
matrix (``sprg_shared.access.MATRIX``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query, Request, Response
from pydantic import BaseModel

from sprg_intake.entrypoints import examples as ex
from sprg_intake.entrypoints.api_inputs import Input
from sprg_intake.entrypoints.web_common import IdempotencyKey, Traceparent
from sprg_intake.handlers import agencies
from sprg_intake.handlers.incident import IntakeDeps
from sprg_shared.access import Caller
from sprg_shared.auth import Principal

Reason = Annotated[
    str, Query(min_length=3, max_length=500, description="why you are reading it (audited)")
]
Read = Callable[[str, Principal, IntakeDeps, str], Awaitable[dict[str, Any]]]
"""``read(subject_id, principal, deps, reason)``"""


@dataclass(frozen=True)
class Route:
    method: Literal["GET", "POST"]
    path: str
    name: str
    tag: str
    summary: str
    endpoint: Callable[..., Awaitable[Any]]
    options: dict[str, Any] = field(default_factory=dict)
    """what FastAPI takes beyond these: status_code, response_model, responses..."""


def deps_of(request: Request) -> IntakeDeps:
    deps: IntakeDeps = request.app.state.deps
    return deps


def path_ids(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def _param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    kind = inspect.Parameter.KEYWORD_ONLY
    return inspect.Parameter(name, kind, annotation=annotation, default=default)


def _signed(
    endpoint: Callable[..., Awaitable[Any]],
    name: str,
    params: list[inspect.Parameter],
    returns: Any,
) -> Callable[..., Awaitable[Any]]:
    """``endpoint`` with the signature FastAPI reads its parameters from, and its name."""
    endpoint.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = name
    return endpoint


def recording(spec: Input) -> Route:
    """A row of ``INPUTS`` as its route: the path's ids, the command as the body, the caller
    the matrix allows; the handler records once (a replay answers as the first time)."""
    ids_in_path = path_ids(spec.path)

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
            *(ids[name] for name in ids_in_path),
            command,
            principal,
            deps_of(request),
            idempotency_key=idempotency_key,
            traceparent=traceparent,
        )
        if recorded.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return recorded.result

    body = Annotated[spec.command, Body(openapi_examples=ex.example(spec.example))]  # type: ignore[name-defined]
    params = [
        _param("request", Request),
        _param("response", Response),
        *(_param(name, str) for name in ids_in_path),
        _param("command", body),
        _param("principal", Caller),
        _param("idempotency_key", IdempotencyKey, None),
        _param("traceparent", Traceparent, None),
    ]
    return Route(
        "POST",
        spec.path,
        spec.name,
        spec.tag,
        spec.summary,
        _signed(endpoint, spec.name, params, dict[str, Any]),
        {"status_code": 201},
    )


def reading(path: str, name: str, tag: str, summary: str, read: Read) -> Route:
    """An audited read of the subject the path names: who may read it is the matrix's
    row ``name``, and every read says why."""
    (subject,) = path_ids(path)

    async def endpoint(request: Request, principal: Principal, reason: str, **ids: str) -> Any:
        return await read(ids[subject], principal, deps_of(request), reason)

    params = [
        _param("request", Request),
        _param(subject, str),
        _param("principal", Caller),
        _param("reason", Reason),
    ]
    return Route("GET", path, name, tag, summary, _signed(endpoint, name, params, dict[str, Any]))


def add_routes(app: FastAPI, routes: tuple[Route, ...]) -> None:
    for route in routes:
        app.add_api_route(
            route.path,
            route.endpoint,
            methods=[route.method],
            name=route.name,
            tags=[route.tag],
            summary=route.summary,
            **route.options,
        )

"""The rooms every service's HTTP app has: /healthz, /readyz, /metrics, request metrics,
a body limit that stops reading at the limit, and the security headers on every response.

Every request runs inside a W3C trace: a child of the caller's ``traceparent`` header, or
a new trace; the response carries it back in ``traceparent`` and log lines carry its id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi._body_limit import wrap_app_with_body_limit
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from kafka.errors import KafkaError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import ValidationError
from pymongo.errors import PyMongoError
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sprg_shared import tracing
from sprg_shared.auth import InvalidToken, Principal, Role
from sprg_shared.metrics import http_metrics

__all__ = [
    "CSP",
    "DEFAULT_MAX_BODY_BYTES",
    "DOCS_CSP",
    "DOCS_PATHS",
    "QUIET_ROUTES",
    "RETRY_AFTER_SECONDS",
    "SECURITY_HEADERS",
    "Guard",
    "Lifespan",
    "ReadinessCheck",
    "create_app",
    "principal_from",
    "require",
]

RETRY_AFTER_SECONDS = 5
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
log = logging.getLogger(__name__)
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
# No script, no framing, nothing from elsewhere: the pages are server-rendered HTML
# (forms, reports with inline SVG and a <style>); the API answers JSON.
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# /docs and /redoc: Swagger UI's and ReDoc's assets are served by the service itself
# (fastapi-offline); their pages start them with an inline script. Nothing from elsewhere.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    # Every answer may carry personal data or a case's facts: no cache keeps it.
    (b"cache-control", b"no-store"),
)


class Guard:
    """ASGI middleware: the request body stops being read at the limit (413), whether its
    length is declared or it comes chunked; every response gets the security headers.

    The limit is ``app.state.max_body_bytes`` (set by the service at start), else
    ``DEFAULT_MAX_BODY_BYTES``. Counting is Starlette's body limit, which FastAPI knows:
    a route reading past it gets 413, never a 400 or 500, through any middleware.
    """

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int = getattr(self.owner.state, "max_body_bytes", DEFAULT_MAX_BODY_BYTES)
        csp = (DOCS_CSP if scope.get("path") in DOCS_PATHS else CSP).encode()

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in (*SECURITY_HEADERS, (b"content-security-policy", csp)):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await wrap_app_with_body_limit(self.app, limit)(scope, receive, send_secured)


def create_app(
    *,
    service: str,
    title: str,
    version: str,
    registry: CollectorRegistry,
    readiness: Callable[[FastAPI], ReadinessCheck],
    lifespan: Lifespan,
    description: str = "",
) -> FastAPI:
    # /docs and /redoc with Swagger UI's and ReDoc's assets served by the service itself
    # (fastapi-offline), never from a CDN: they work on a machine with no internet.
    app = FastAPIOffline(title=title, version=version, description=description, lifespan=lifespan)
    app.state.service = service
    metrics = http_metrics(registry, service)

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        route = _route_template(app, request)
        started = time.perf_counter()
        status = 500
        parent = request.headers.get("traceparent")
        with (
            tracing.span(f"{request.method} {route}", parent, "server") as traceparent,
            tracing.traced(traceparent),
        ):
            try:
                response = await call_next(request)
                status = response.status_code
                response.headers["traceparent"] = traceparent
                return response
            finally:
                elapsed = time.perf_counter() - started
                metrics.requests.labels(
                    route=route, method=request.method, status=str(status)
                ).inc()
                metrics.seconds.labels(route=route, method=request.method).observe(elapsed)
                if route not in QUIET_ROUTES:
                    log.info(
                        "request handled",
                        extra={
                            "route": route,
                            "method": request.method,
                            "status": status,
                            "seconds": round(elapsed, 4),
                        },
                    )

    @app.exception_handler(PyMongoError)
    @app.exception_handler(KafkaError)
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        # Nothing was half-written: every write is one document, and the outbox relays later.
        return JSONResponse(
            {"detail": "the store or the bus is unavailable; nothing was saved, try again"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(ValidationError)
    async def invalid_derived(request: Request, exc: ValidationError) -> JSONResponse:
        # A fact derived from the input broke its own bounds (a child "born" in year 1 is
        # 1,009 on the incident date): the input is implausible, not the server broken.
        errors = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(UnicodeEncodeError)
    async def not_unicode(request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        # JSON may carry a lone surrogate ("\ud800"): valid JSON, not text. It fails when
        # the text is encoded to be sealed or stored, before anything is written.
        return JSONResponse(
            {
                "detail": "a text field holds a lone surrogate, which is not valid Unicode; "
                "nothing was saved"
            },
            status_code=422,
        )

    @app.get("/healthz", tags=["operations"], summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/readyz", tags=["operations"], summary="The broker and the store answer")
    async def readyz() -> JSONResponse:
        checks = await readiness(app)()
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    # Added last: the outermost layer, so no other layer reads a body before it counts.
    app.add_middleware(Guard, owner=app)
    _document_one_line_422(app)
    return app


def _document_one_line_422(app: FastAPI) -> None:
    """A 422 is FastAPI's list of field errors, or one line naming the field (a handler's
    own check): the OpenAPI document says both, so a client can rely on either."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                detail = schemas["HTTPValidationError"]["properties"]["detail"]
                schemas["HTTPValidationError"]["properties"]["detail"] = {
                    "anyOf": [detail, {"type": "string"}],
                    "title": "Detail",
                }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _route_template(app: FastAPI, request: Request) -> str:
    """The route's path template (bounded label values), not the raw path."""
    for route in app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


def principal_from(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer <jwt>``: 401 when absent or invalid.

    Verified by the ``sprg_shared.auth.Verifier`` the service's lifespan put on
    ``app.state.verifier`` (the provider's keys, issuer, audience, lifetime, agency).
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status_code=401,
            detail="a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return request.app.state.verifier.verify(token.strip())  # type: ignore[no-any-return]
    except InvalidToken as exc:
        raise HTTPException(
            status_code=401,
            detail=f"invalid token: {exc}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc


def require(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency admitting callers holding any of ``roles``: 403 otherwise."""

    def dependency(request: Request) -> Principal:
        principal = principal_from(request)
        if not principal.has(*roles):
            raise HTTPException(
                status_code=403,
                detail=f"requires one of the roles: {', '.join(sorted(roles))}",
            )
        return principal

    return dependency

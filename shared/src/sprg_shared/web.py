"""The rooms every service's HTTP app has: /healthz, /readyz, /metrics, request metrics.

Every request runs inside a W3C trace: a child of the caller's ``traceparent`` header, or
a new trace; the response carries it back in ``traceparent`` and log lines carry its id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from kafka.errors import KafkaError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pymongo.errors import PyMongoError
from starlette.routing import Match

from sprg_shared import tracing
from sprg_shared.auth import InvalidToken, Principal, Role
from sprg_shared.metrics import http_metrics

RETRY_AFTER_SECONDS = 5
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
log = logging.getLogger(__name__)


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

    return app


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

"""One way to assemble and run a service: settings, runtime, background tasks, HTTP app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry
from pymongo.errors import PyMongoError

from sprg_shared import audit, otel
from sprg_shared.auth import Verifier
from sprg_shared.logs import configure_logging
from sprg_shared.runtime import Runtime
from sprg_shared.settings import ServiceSettings
from sprg_shared.web import create_app

__all__ = ["Background", "build_service", "from_state", "serve"]

S = TypeVar("S", bound=ServiceSettings)
log = logging.getLogger(__name__)


class Background:
    """Tasks a service runs beside its HTTP app; cancelled at shutdown."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[Any]] = []

    def run(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    async def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def build_service(
    *,
    service: str,
    title: str,
    description: str,
    load_settings: Callable[[], S],
    setup: Callable[[FastAPI, Runtime, S, Background], Awaitable[None]],
) -> FastAPI:
    """A FastAPI app whose lifespan builds the runtime and calls ``setup`` to wire the rest."""
    registry = CollectorRegistry()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = load_settings()
        configure_logging(service, settings.log_level)
        spans = otel.configure(service, settings.otel_exporter)
        runtime = Runtime.build(service, settings, registry)
        background = Background()
        app.state.runtime = runtime
        app.state.verifier = Verifier(settings.auth())
        await asyncio.to_thread(app.state.verifier.warm)
        app.state.max_body_bytes = settings.max_body_bytes
        app.state.audit = audit.AuditLog(runtime.db, service)
        try:
            try:
                await app.state.audit.ensure_indexes()
            except PyMongoError as exc:
                # Not a reason to stay down: entries are written without the index.
                log.warning("audit indexes not made", extra={"error": repr(exc)})
            await setup(app, runtime, settings, background)
            log.info("service ready", extra={"port": settings.http_port})
            yield
        finally:
            await background.cancel()
            await runtime.close()
            if spans is not None:
                spans.shutdown()

    app = create_app(
        service=service,
        title=title,
        version="1",
        registry=registry,
        readiness=lambda app: app.state.runtime.readiness,
        lifespan=lifespan,
        description=description,
    )
    app.include_router(audit.router)
    return app


def from_state(name: str) -> Callable[[Request], Any]:
    """A dependency returning what the service's setup put on ``app.state.<name>``.

    A closure over ``name``, never a parameter: a dependency's parameters become the
    route's query parameters (``?name=jwt_secret`` once chose the object handed over).
    """

    def dependency(request: Request) -> Any:
        return getattr(request.app.state, name)

    dependency.__name__ = f"state_{name}"
    return dependency


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
    )

"""The one place the console is put together: ``build(settings, ...)``.

Production passes nothing but the settings (HTTP clients of the services and of the
realm, and the sessions' store, are made here); tests pass in-memory fakes of ``Apis``,
``OidcClient`` and ``SessionStore``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from sprg_console.adapters.apis import ApiError, Apis, Document, http_apis
from sprg_console.adapters.audit import AuditApi, HttpAudit
from sprg_console.adapters.memory import MemoryPeople
from sprg_console.adapters.oidc import HttpOidc, OidcClient
from sprg_console.adapters.ports import KnownPeople, SessionStore
from sprg_console.adapters.session_store import StoredPeople, StoredSessions
from sprg_console.adapters.sessions import COOKIE, Sessions
from sprg_console.entrypoints import (
    admin,
    audit,
    auth,
    case_work,
    listings,
    meetings,
    pages,
    rules_admin,
    submissions,
)
from sprg_console.entrypoints.web import BadCsrf, Console, NeedsSignIn, sign_in_redirect, templates
from sprg_console.handlers.context import Deps
from sprg_console.settings import ConsoleSettings
from sprg_shared.calendar import london_today
from sprg_shared.crypto import Sealer
from sprg_shared.logs import configure_logging
from sprg_shared.store import make_client, ping
from sprg_shared.web import create_app

SERVICE = "console"
log = logging.getLogger(__name__)


def load_agencies(path: Path | None) -> tuple[Document, ...]:
    """The partnership's agencies from its seed file (``deploy/demo/croydon-sprg.json``)."""
    if path is None or not path.is_file():
        return ()
    data = json.loads(path.read_text())
    return tuple({"agency_id": a["agency_id"], "name": a["name"]} for a in data.get("agencies", []))


def build(
    settings: ConsoleSettings,
    *,
    apis: Apis | None = None,
    oidc: OidcClient | None = None,
    agencies: tuple[Document, ...] | None = None,
    today: Callable[[], date] = london_today,
    audit_api: AuditApi | None = None,
    session_store: SessionStore | None = None,
    people: KnownPeople | None = None,
) -> FastAPI:
    client = httpx.AsyncClient(timeout=settings.api_timeout_seconds)
    store_client = None
    if session_store is None:
        if not settings.mongodb_url or not settings.session_key:
            raise ValueError(
                "the console keeps its sessions in the store: set MONGODB_URL and "
                "SPRG_CONSOLE_SESSION_KEY (base64 of 32 bytes)"
            )
        store_client = make_client(settings.mongodb_url, app_name=SERVICE)
        session_store = StoredSessions(store_client[settings.database])
        people = people or StoredPeople(store_client[settings.database])
    people = people or MemoryPeople()
    # Without a key (the unit tier's in-memory sessions only) a fresh one per process.
    key = settings.session_key or base64.b64encode(os.urandom(32)).decode()
    sessions = Sessions(
        session_store,
        Sealer(key, settings.session_key_id),
        settings.session_secret,
        timedelta(hours=settings.session_hours),
    )
    urls = {
        "intake": settings.intake_url,
        "rules": settings.rules_url,
        "scheduler": settings.scheduler_url,
        "reporting": settings.reporting_url,
        "notifier": settings.notifier_url,
    }

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        configure_logging(SERVICE, settings.log_level)
        await sessions.ensure_ready()
        await people.ensure_indexes()
        try:
            yield
        finally:
            await client.aclose()
            if store_client is not None:
                await store_client.close()

    app = create_app(
        service=SERVICE,
        title="SPRG console",
        version="1",
        registry=CollectorRegistry(),
        readiness=lambda app: _readiness(settings, store_client, settings.database),
        lifespan=lifespan,
        description="Pages for the people in the process; owns no state.",
    )
    app.state.console = Console(
        settings=settings,
        deps=Deps(
            apis=apis or http_apis(client, urls),
            agencies=agencies if agencies is not None else load_agencies(settings.agencies_file),
        ),
        sessions=sessions,
        people=people,
        oidc=oidc
        or HttpOidc(
            client, settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret
        ),
        templates=templates(),
        today=today,
    )
    _errors(app)
    _session_loader(app)
    if settings.static_dir.is_dir():
        app.mount("/assets", StaticFiles(directory=settings.static_dir), name="assets")
    else:
        log.warning(
            "no GOV.UK Frontend assets: run deploy/local/console-assets.sh",
            extra={"static_dir": str(settings.static_dir)},
        )
    app.include_router(auth.router)
    audit.install(app, audit_api or HttpAudit(client, urls))  # before the pages' /{kind}
    app.include_router(meetings.router)  # before pages: its /meetings/... are fixed paths
    app.include_router(rules_admin.router)
    app.include_router(admin.router)
    app.include_router(case_work.router)
    app.include_router(submissions.router)  # before pages: /report-an-incident is fixed
    app.include_router(listings.router)  # before pages: its /{kind} would take /actions
    app.include_router(pages.router)
    return app


def _readiness(
    settings: ConsoleSettings, store: AsyncMongoClient[Document] | None, database: str
) -> Callable[[], Awaitable[dict[str, bool]]]:
    async def check() -> dict[str, bool]:
        ready = {"assets": (settings.static_dir / "govuk-frontend.min.css").is_file()}
        if store is not None:
            ready["sessions store"] = await ping(store[database])
        return ready

    return check


NO_SESSION_PATHS = ("/assets/", "/healthz", "/readyz", "/metrics")


def _session_loader(app: FastAPI) -> None:
    """The session the cookie names, read once per request (``Console.session`` then reads
    it from the request): the pages' own code stays synchronous."""

    @app.middleware("http")
    async def load_session(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        cookie = request.cookies.get(COOKIE)
        if cookie and not request.url.path.startswith(NO_SESSION_PATHS):
            console: Console = request.app.state.console
            try:
                request.state.console_session = await console.sessions.find(cookie)
            except PyMongoError:
                log.warning("the sessions' store did not answer")
                return console.render(
                    request,
                    "problem.html",
                    status_code=503,
                    title="Sorry, there is a problem with the service",
                    message="Signing in is not working at the moment. Try again in a few minutes.",
                )
        return await call_next(request)


def _errors(app: FastAPI) -> None:
    def console(request: Request) -> Console:
        found: Console = request.app.state.console
        return found

    @app.exception_handler(NeedsSignIn)
    async def _sign_in(request: Request, exc: NeedsSignIn) -> Response:
        return sign_in_redirect(exc.next_path)

    @app.exception_handler(BadCsrf)
    async def _csrf(request: Request, exc: BadCsrf) -> Response:
        return console(request).render(
            request,
            "problem.html",
            status_code=400,
            title="Sorry, this form has expired",
            message="The form was open too long, or you signed in again since. "
            "Go back, reload the page and send it again. Nothing was saved.",
        )

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        if exc.status == 401:
            # The service did not accept the token: sign in afresh, by choice (no redirect
            # loop when a service and the realm disagree).
            session = console(request).session(request)
            if session is not None:
                session.tokens = session.person = None
                await console(request).sessions.save(session)
            return console(request).render(
                request,
                "problem.html",
                status_code=401,
                title="Sign in again",
                message="The service did not accept your sign-in, or it has ended.",
                retry="/sign-in?" + urlencode({"next": request.url.path}),
            )
        if exc.status == 403:
            return console(request).render(
                request,
                "problem.html",
                status_code=403,
                title="You cannot see this page",
                message="Your account does not give access to it. If you need it, ask the "
                "CSCP Business Team.",
            )
        if exc.status == 404:
            return console(request).render(
                request, "not_found.html", status_code=404, title="Page not found"
            )
        log.warning("a service failed", extra={"status": exc.status, "detail": exc.detail})
        return console(request).render(
            request,
            "problem.html",
            status_code=503,
            title="Sorry, there is a problem with the service",
            message="A part of the service is not answering. Try again in a few minutes. "
            "Nothing you sent was lost: if you were sending a form, send it again.",
        )

"""The console's HTTP side: pages rendered on the server with GOV.UK Frontend's macros.

Every page works without JavaScript; the Frontend's script (served here, at /assets)
only enhances. People are signed in through the realm (``entrypoints/auth.py``); their
session is kept in the store (``adapters/sessions.py``) and the browser holds a signed
random id (HttpOnly, SameSite=Lax, Secure behind HTTPS).
Every form carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from markupsafe import Markup

from sprg_console.adapters.oidc import OidcClient, SignInFailed, person_from
from sprg_console.adapters.ports import KnownPeople
from sprg_console.adapters.sessions import COOKIE, Session, Sessions
from sprg_console.domain import forms, words
from sprg_console.handlers.context import Caller, Deps
from sprg_console.settings import PACKAGE, ConsoleSettings

PARTNERSHIP = "Croydon Safeguarding Children Partnership"
SERVICE_NAME = "SPRG review tracker"
REFRESH_MARGIN = timedelta(seconds=30)


class NeedsSignIn(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class BadCsrf(Exception):
    """A form came back without this session's token."""


@dataclass
class Console:
    """What the routes share: settings, the handlers' deps, sessions, sign-in, templates."""

    settings: ConsoleSettings
    deps: Deps
    sessions: Sessions
    people: KnownPeople
    oidc: OidcClient
    templates: Environment
    today: Callable[[], date]

    def session(self, request: Request) -> Session | None:
        """The request's session, read from the store once per request (bootstrap's
        ``load_session``); a session made or renewed during the request replaces it."""
        found: Session | None = getattr(request.state, "console_session", None)
        return found

    async def new_session(self, request: Request) -> Session:
        session = await self.sessions.new()
        request.state.console_session = session
        return session

    async def caller(self, request: Request) -> Caller:
        """The signed-in person, their access token refreshed when it is about to expire."""
        session = self.session(request)
        next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if session is None or session.tokens is None or session.person is None:
            raise NeedsSignIn(next_path)
        tokens = session.tokens
        if tokens.expires_at - REFRESH_MARGIN <= datetime.now(UTC):
            if not tokens.refresh_token:
                raise NeedsSignIn(next_path)
            try:
                tokens = await self.oidc.refresh(tokens.refresh_token)
            except SignInFailed as exc:
                session.tokens = None
                await self.sessions.save(session)
                raise NeedsSignIn(next_path) from exc
            session.tokens, session.person = tokens, person_from(tokens)
            await self.sessions.save(session)
        return Caller(token=tokens.access_token, person=session.person)

    def check_csrf(self, request: Request, form: Any) -> None:
        session = self.session(request)
        sent = str(form.get("csrf_token", ""))
        if session is None or not hmac.compare_digest(sent, session.csrf):
            raise BadCsrf

    def render(
        self, request: Request, template: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        session = self.session(request)
        person = session.person if session else None
        nonce = secrets.token_urlsafe(16)  # the page's own scripts, and no other, may run
        page = self.templates.get_template(template).render(
            request=request,
            cspNonce=nonce,
            person=person,
            csrf_token=session.csrf if session else "",
            partnership=PARTNERSHIP,
            service_name=SERVICE_NAME,
            nav=_navigation(request.url.path, person),
            words=words,
            forms=forms,
            **context,
        )
        return HTMLResponse(
            page, status_code=status_code, headers={"Content-Security-Policy": page_csp(nonce)}
        )


def page_csp(nonce: str) -> str:
    """The pages' policy: GOV.UK Frontend's assets from here, inline scripts only with this
    page's nonce (the template's js-enabled line, the module that starts the components)."""
    return (
        f"default-src 'none'; script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def new_key() -> str:
    """An Idempotency-Key for a form, made when it is shown."""
    return str(uuid.uuid4())


def key_from(form: Any) -> str:
    sent = str(form.get("idempotency_key", ""))
    try:
        return str(uuid.UUID(sent))
    except ValueError:
        return new_key()


def set_session_cookie(response: Response, console: Console, session: Session) -> Response:
    response.set_cookie(
        COOKIE,
        console.sessions.cookie_for(session),
        httponly=True,
        samesite="lax",
        secure=console.settings.secure_cookies,
        max_age=int(console.settings.session_hours * 3600),
        path="/",
    )
    return response


def sign_in_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse("/sign-in?" + urlencode({"next": next_path}), status_code=303)


def own_reveals(radios: Markup) -> Markup:
    """Radios with conditional reveals, driven by the page's own few lines (base.html)
    rather than the Frontend's Radios module: it marks each radio ``aria-expanded``, which
    a radio may not carry (axe: aria-allowed-attr). Without JavaScript both show all."""
    return radios.replace(Markup('data-module="govuk-radios"'), Markup('data-module="sprg-radios"'))


@cache
def templates() -> Environment:
    """One environment per process: compiling GOV.UK's macros is the slow part of a page."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(PACKAGE / "entrypoints" / "templates")),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = words.long_date
    env.filters["own_reveals"] = own_reveals
    env.filters["humanise"] = words.humanise
    return env


NAV_ITEMS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/", "Worklist", frozenset({"business_team", "chair", "sprg_member"})),
    ("/cases", "Cases", frozenset({"business_team", "chair", "sprg_member", "agency_submitter"})),
    (
        "/cases-of-concern",
        "Cases of Concern",
        frozenset({"business_team", "chair", "sprg_member"}),
    ),
    ("/escalations", "Escalations", frozenset({"business_team", "sprg_member", "chair"})),
    ("/meetings", "Meetings", frozenset({"business_team", "chair", "sprg_member"})),
    ("/actions", "Actions", frozenset({"business_team", "chair", "sprg_member"})),
    (
        "/information-requests",
        "Requests and returns",
        frozenset({"business_team", "chair", "sprg_member", "agency_submitter"}),
    ),
    ("/asked-of-you", "Asked of you", frozenset({"agency_submitter"})),
    (
        "/reports",
        "Reports",
        frozenset({"business_team", "chair", "sprg_member", "executive_reader"}),
    ),
    ("/report-an-incident", "Report an incident", frozenset({"agency_submitter", "business_team"})),
    ("/refer-a-case-of-concern", "Refer a Case of Concern", frozenset({"agency_submitter"})),
    ("/raise-an-escalation", "Raise an escalation", frozenset({"agency_submitter"})),
    ("/rules", "Rule packs", frozenset({"rules_admin"})),
    ("/administration", "Administration", frozenset({"business_team"})),
    ("/audit", "Audit", frozenset({"business_team"})),
)


def _navigation(path: str, person: Any) -> list[dict[str, Any]]:
    if person is None:
        return []
    roles = {str(r) for r in person.roles}
    items = []
    for href, text, who in NAV_ITEMS:
        if roles & who:
            active = path == href or (href != "/" and path.startswith(href + "/"))
            items.append({"href": href, "text": text, "active": active})
    return items

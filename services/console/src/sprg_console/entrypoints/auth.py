"""Sign-in and sign-out: ``/sign-in`` → the realm → ``/auth/callback``; ``/sign-out``."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

import jwt
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from sprg_console.adapters.oidc import SignInFailed, person_from, pkce_pair
from sprg_console.adapters.ports import KnownPerson
from sprg_console.adapters.sessions import COOKIE, Pending
from sprg_console.entrypoints.web import Console, set_session_cookie

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
MAX_PENDING = 5


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def safe_next(value: str | None) -> str:
    """Only a path on this site (never another host: no open redirect)."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def _redirect_uri(console: Console) -> str:
    return console.settings.public_url.rstrip("/") + "/auth/callback"


@router.get("/sign-in")
async def sign_in(
    request: Request, next_path: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    console = _console(request)
    session = console.session(request) or await console.new_session(request)
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    # A few sign-ins may be under way at once (two tabs); the oldest is dropped.
    while len(session.pending) >= MAX_PENDING:
        session.pending.pop(next(iter(session.pending)))
    session.pending[state] = Pending(state, nonce, verifier, safe_next(next_path))
    await console.sessions.save(session)
    try:
        url = await console.oidc.authorization_url(
            state=state, nonce=nonce, code_challenge=challenge, redirect_uri=_redirect_uri(console)
        )
    except SignInFailed:
        return console.render(
            request,
            "problem.html",
            status_code=503,
            title="Sorry, you cannot sign in at the moment",
            message="The sign-in service is not answering. Try again in a few minutes.",
        )
    return set_session_cookie(RedirectResponse(url, status_code=303), console, session)


@router.get("/auth/callback")
async def callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    console = _console(request)
    session = console.session(request)
    pending = session.pending.pop(state, None) if session else None
    if session is not None and pending is not None:
        await console.sessions.save(session)  # a state is used once, on every replica
    if session is None or pending is None or error or not code:
        return console.render(
            request,
            "problem.html",
            status_code=400,
            title="Sorry, you were not signed in",
            message="The sign-in did not complete or took too long. Sign in again.",
            retry="/sign-in",
        )
    try:
        tokens = await console.oidc.exchange(code, pending.verifier, _redirect_uri(console))
    except SignInFailed:
        return console.render(
            request,
            "problem.html",
            status_code=400,
            title="Sorry, you were not signed in",
            message="The sign-in service did not accept the sign-in. Sign in again.",
            retry="/sign-in",
        )
    if tokens.id_token:
        claims = jwt.decode(tokens.id_token, options={"verify_signature": False})
        if claims.get("nonce") != pending.nonce:
            return console.render(
                request,
                "problem.html",
                status_code=400,
                title="Sorry, you were not signed in",
                message="The sign-in answer was not the one this browser asked for. Sign in again.",
                retry="/sign-in",
            )
    fresh = await console.sessions.renew(session)
    fresh.tokens, fresh.person = tokens, person_from(tokens)
    await console.sessions.save(fresh)
    person = fresh.person
    # The audit names people by what the provider calls them, not their sign-in id.
    await console.people.remember(
        KnownPerson(person.subject, person.name, person.agency), datetime.now(UTC)
    )
    return set_session_cookie(RedirectResponse(pending.next_path, status_code=303), console, fresh)


@router.get("/sign-out")
async def sign_out_page(request: Request) -> Response:
    console = _console(request)
    return console.render(request, "sign_out.html", title="Sign out")


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    console = _console(request)
    form = await request.form()
    console.check_csrf(request, form)
    session = console.session(request)
    if session is not None:
        if session.tokens is not None:
            try:
                await console.oidc.end_session(session.tokens)
            except SignInFailed:
                log.warning("the realm did not end the session; the console's is ended")
        await console.sessions.forget(session)  # on every replica: the store forgets it
        request.state.console_session = None
    url = "/signed-out"
    response = RedirectResponse(url, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    return _console(request).render(request, "signed_out.html", title="You have signed out")

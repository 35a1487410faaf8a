"""Sign-in with OpenID Connect: the authorization code flow with PKCE (S256).

The console is a confidential client of the realm (Keycloak in ``deploy/local/infra.sh``):
it sends the browser to the provider with a one-time ``state``, a ``nonce`` and the PKCE
challenge, then trades the code (with its verifier and its client secret) for tokens over
the back channel. Tokens are never given to the browser: they stay in the server-side
session (``adapters/sessions.py``); the access token is forwarded to the services, which
verify it themselves.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
import jwt

from sprg_shared.auth import Role


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_at: datetime
    refresh_token: str | None = None
    refresh_expires_at: datetime | None = None
    id_token: str | None = None


@dataclass(frozen=True)
class Person:
    """Who is signed in, as the tokens say (shown in the header; the services decide access)."""

    subject: str
    name: str
    agency: str
    roles: frozenset[Role]

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


class SignInFailed(Exception):
    """The provider refused the code or the refresh, or did not answer."""


class OidcClient(Protocol):
    async def authorization_url(
        self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str
    ) -> str: ...

    async def exchange(self, code: str, code_verifier: str, redirect_uri: str) -> Tokens: ...

    async def refresh(self, refresh_token: str) -> Tokens: ...

    async def end_session(self, tokens: Tokens) -> None:
        """End the person's session at the provider too (so signing in again asks again)."""
        ...


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def person_from(tokens: Tokens) -> Person:
    """The person the access token names. Its signature is the services' to verify: the
    console received it from the provider itself, over the back channel."""
    claims: dict[str, Any] = jwt.decode(tokens.access_token, options={"verify_signature": False})
    names = set(claims.get("realm_access", {}).get("roles", [])) | set(claims.get("roles", []))
    known = {r.value for r in Role}
    return Person(
        subject=str(claims.get("sub", "")),
        name=str(claims.get("name") or claims.get("preferred_username") or claims.get("sub")),
        agency=str(claims.get("agency", "")),
        roles=frozenset(Role(r) for r in names if r in known),
    )


def _tokens(answer: dict[str, Any], now: datetime) -> Tokens:
    refresh_in = answer.get("refresh_expires_in")
    return Tokens(
        access_token=str(answer["access_token"]),
        expires_at=now + timedelta(seconds=int(answer.get("expires_in", 60))),
        refresh_token=answer.get("refresh_token"),
        refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
        id_token=answer.get("id_token"),
    )


class HttpOidc:
    """The provider found through its discovery document (``/.well-known/openid-configuration``)."""

    def __init__(
        self, client: httpx.AsyncClient, issuer: str, client_id: str, client_secret: str
    ) -> None:
        self._client = client
        self._issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._secret = client_secret
        self._discovery: dict[str, Any] | None = None

    async def _endpoints(self) -> dict[str, Any]:
        if self._discovery is None:
            try:
                answer = await self._client.get(f"{self._issuer}/.well-known/openid-configuration")
                answer.raise_for_status()
            except httpx.HTTPError as exc:
                raise SignInFailed(f"the sign-in service did not answer: {exc}") from exc
            self._discovery = dict(answer.json())
        return self._discovery

    async def authorization_url(
        self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str
    ) -> str:
        endpoint = (await self._endpoints())["authorization_endpoint"]
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid profile",
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{endpoint}?{query}"

    async def _token(self, form: dict[str, str]) -> Tokens:
        endpoint = (await self._endpoints())["token_endpoint"]
        now = datetime.now(UTC)
        try:
            answer = await self._client.post(
                endpoint, data=form, auth=(self._client_id, self._secret)
            )
        except httpx.HTTPError as exc:
            raise SignInFailed(f"the sign-in service did not answer: {exc}") from exc
        if answer.status_code != 200:
            raise SignInFailed(f"the sign-in service refused: {answer.text[:200]}")
        return _tokens(answer.json(), now)

    async def exchange(self, code: str, code_verifier: str, redirect_uri: str) -> Tokens:
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> Tokens:
        return await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def end_session(self, tokens: Tokens) -> None:
        """Back-channel: the refresh token is revoked and the provider's session ended,
        with no redirect through the browser (no post-logout address to register)."""
        endpoint = (await self._endpoints()).get("end_session_endpoint")
        if not endpoint or not tokens.refresh_token:
            return
        try:
            answer = await self._client.post(
                endpoint,
                data={"refresh_token": tokens.refresh_token},
                auth=(self._client_id, self._secret),
            )
        except httpx.HTTPError as exc:
            raise SignInFailed(f"the sign-in service did not answer: {exc}") from exc
        if answer.status_code >= 400:
            raise SignInFailed(f"the sign-in service refused to sign out: {answer.status_code}")

"""Who is calling: OpenID Connect access tokens verified against the provider's keys.

Every service admits a caller by a bearer token (a JWT) that:

- is signed RS256 or ES256 by a key in the provider's JWKS (fetched over HTTP from
  ``jwks_url``, or from the ``jwks_uri`` of the issuer's discovery document; cached, and
  fetched again when a token names a key id not seen yet: the provider rotated its keys);
- names the configured issuer (``iss``) and audience (``aud``);
- has ``exp``, ``iat`` and ``sub``, is not expired, and lives no longer than
  ``max_lifetime`` (a 100-year token is refused however well signed);
- grants at least one SPRG role (``realm_access.roles`` in Keycloak, ``roles`` in
  Microsoft Entra ID: a dotted path; the provider's own roles are ignored);
- names an agency (claim ``agency``) that is one of the known agencies (the
  partnership's agencies, ``agencies[].agency_id`` of the file ``agencies_file``: the file the
  notifier's directory is loaded from; a development setting without it admits any agency
  code).

For development only, ``sprg tokens mint`` signs tokens with a local RSA key (issuer
``sprg-dev``, PEM at ``dev_key_file``); services trust that key only outside production,
and the production settings refuse to start with it (see ``AuthConfig.check``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AGENCY_CODE",
    "ALGORITHMS",
    "DEV_ISSUER",
    "JWKS_TTL_S",
    "LEEWAY_S",
    "REFETCH_AFTER_S",
    "AuthConfig",
    "AuthMisconfigured",
    "Fetch",
    "InvalidToken",
    "Principal",
    "Role",
    "Verifier",
    "dev_public_jwk",
    "fetch_json",
    "known_agencies",
    "load_dev_key",
    "mint",
    "new_dev_key",
    "sign",
]

log = logging.getLogger(__name__)

DEV_ISSUER = "sprg-dev"
ALGORITHMS = ("RS256", "ES256")
AGENCY_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LEEWAY_S = 30
# An unknown key id fetches the JWKS again at most this often (a flood of made-up key ids
# must not become a flood of requests to the provider).
REFETCH_AFTER_S = 10.0
JWKS_TTL_S = 300.0


class Role(StrEnum):
    AGENCY_SUBMITTER = "agency_submitter"
    BUSINESS_TEAM = "business_team"
    SPRG_MEMBER = "sprg_member"
    CHAIR = "chair"
    RULES_ADMIN = "rules_admin"
    EXECUTIVE_READER = "executive_reader"


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    agency: str
    roles: Annotated[frozenset[Role], Field(min_length=1)]

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


class InvalidToken(Exception):
    """The token is missing, malformed, expired, not for us or not signed by a trusted key."""


class AuthMisconfigured(ValueError):
    """The settings cannot verify tokens safely (told at start-up, never per request)."""


@dataclass(frozen=True)
class AuthConfig:
    """How tokens are verified; built from the service settings (``SPRG_AUTH_*``, ``SPRG_ENV``)."""

    issuer: str | None = None
    audience: str = "sprg-api"
    jwks_url: str | None = None
    max_lifetime: timedelta = timedelta(hours=1)
    roles_claim: str = "realm_access.roles"
    agency_claim: str = "agency"
    subject_claim: str = "sub"
    agencies_file: Path | None = None
    dev_key_file: Path | None = None
    production: bool = False

    def check(self) -> AuthConfig:
        if self.production:
            if self.dev_key_file is not None:
                raise AuthMisconfigured(
                    "SPRG_AUTH_DEV_KEY_FILE is a development setting: production accepts "
                    "only the OpenID Connect provider's tokens"
                )
            if not self.issuer:
                raise AuthMisconfigured("production needs SPRG_AUTH_ISSUER (the OIDC issuer)")
            if self.agencies_file is None:
                raise AuthMisconfigured(
                    "production needs SPRG_AUTH_AGENCIES_FILE (the partnership's agencies)"
                )
            if not (self.jwks_url or self.issuer).startswith("https://"):
                raise AuthMisconfigured("production fetches the provider's keys over https only")
        if not self.issuer and self.dev_key_file is None:
            raise AuthMisconfigured(
                "no way to verify tokens: set SPRG_AUTH_ISSUER (or, in development only, "
                "SPRG_AUTH_DEV_KEY_FILE)"
            )
        if self.max_lifetime <= timedelta(0):
            raise AuthMisconfigured("SPRG_AUTH_MAX_TOKEN_LIFETIME must be positive")
        return self


def known_agencies(path: Path) -> frozenset[str]:
    """The agency ids of a partnership file (``{"agencies": [{"agency_id": ...}, ...]}``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        found = frozenset(str(a["agency_id"]) for a in data["agencies"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AuthMisconfigured(f"cannot read the agencies from {path}: {exc}") from exc
    if not found:
        raise AuthMisconfigured(f"{path} lists no agencies")
    return found


Fetch = Callable[[str], dict[str, Any]]


def fetch_json(url: str) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise InvalidToken(f"refusing to fetch keys from {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - scheme checked
        body = answer.read(1_000_000)
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError(f"{url} did not answer a JSON object")  # noqa: TRY004
    return data


@dataclass
class _RemoteKeys:
    """The provider's JWKS: fetched lazily, kept ``JWKS_TTL_S``, refetched on a new key id."""

    issuer: str
    jwks_url: str | None
    fetch: Fetch
    _keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    _fetched_at: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _url(self) -> str:
        if self.jwks_url:
            return self.jwks_url
        discovery = self.fetch(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
        if discovery.get("issuer") != self.issuer:
            raise InvalidToken("the provider's discovery document names another issuer")
        self.jwks_url = str(discovery["jwks_uri"])
        return self.jwks_url

    def _refresh(self) -> None:
        keys: dict[str, jwt.PyJWK] = {}
        for entry in self.fetch(self._url()).get("keys", []):
            if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") not in ALGORITHMS:
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                continue
            keys[str(entry.get("kid", ""))] = key
        self._keys = keys
        self._fetched_at = time.monotonic()

    def key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = age > JWKS_TTL_S or (kid not in self._keys and age > REFETCH_AFTER_S)
            if stale:
                try:
                    self._refresh()
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("could not fetch the provider's keys: %s", exc)
                    if not self._keys:
                        raise InvalidToken("the identity provider's keys are unavailable") from exc
            found = self._keys.get(kid)
        if found is None:
            raise InvalidToken("the token is signed by a key the provider does not publish")
        return found

    def warm(self) -> None:
        with self._lock:
            self._refresh()


def _dig(claims: dict[str, Any], path: str) -> Any:
    """The claim named ``path``, or found by its dotted path (``realm_access.roles``)."""
    if path in claims:  # a claim whose name has a dot (Entra's "extn.agency")
        return claims[path]
    node: Any = claims
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


class Verifier:
    """Verifies bearer tokens under an ``AuthConfig``; one per service, shared by requests."""

    def __init__(self, config: AuthConfig, fetch: Fetch = fetch_json) -> None:
        self.config = config.check()
        self._agencies = (
            known_agencies(config.agencies_file) if config.agencies_file is not None else None
        )
        self._remote = _RemoteKeys(config.issuer, config.jwks_url, fetch) if config.issuer else None
        self._dev_key: jwt.PyJWK | None = None
        if config.dev_key_file is not None and not config.production:
            self._dev_key = jwt.PyJWK(dev_public_jwk(load_dev_key(config.dev_key_file)))

    def warm(self) -> None:
        """Fetch the provider's keys now (start-up); a failure is retried by the next request."""
        if self._remote is not None:
            try:
                self._remote.warm()
            except (OSError, ValueError, KeyError, InvalidToken) as exc:
                log.warning("the identity provider's keys could not be fetched yet: %s", exc)

    def _key_for(self, issuer: str, kid: str) -> jwt.PyJWK:
        if self._remote is not None and issuer == self._remote.issuer:
            return self._remote.key(kid)
        if self._dev_key is not None and issuer == DEV_ISSUER:
            if kid != self._dev_key.key_id:
                raise InvalidToken("the token is signed by another development key")
            return self._dev_key
        raise InvalidToken("the token's issuer is not trusted here")

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS:
                raise InvalidToken(f"tokens signed with {header.get('alg')} are not accepted")
            unverified = jwt.decode(token, options={"verify_signature": False})
            key = self._key_for(str(unverified.get("iss", "")), str(header.get("kid", "")))
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[str(header["alg"])],
                audience=self.config.audience,
                issuer=str(unverified.get("iss", "")),
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        lifetime = float(claims["exp"]) - float(claims["iat"])
        if lifetime > self.config.max_lifetime.total_seconds():
            raise InvalidToken(
                f"the token lives {lifetime:.0f} s, longer than the "
                f"{self.config.max_lifetime.total_seconds():.0f} s allowed"
            )
        if float(claims["iat"]) > time.time() + LEEWAY_S:
            raise InvalidToken("the token was issued in the future")
        granted = _dig(claims, self.config.roles_claim)
        if not isinstance(granted, list):
            raise InvalidToken(f"the token has no roles ({self.config.roles_claim})")
        known = {r.value for r in Role}
        roles = frozenset(Role(r) for r in granted if r in known)
        if not roles:
            raise InvalidToken("the token grants no SPRG role")
        agency = _dig(claims, self.config.agency_claim)
        if not isinstance(agency, str) or not AGENCY_CODE.match(agency):
            raise InvalidToken(f"the token names no agency ({self.config.agency_claim})")
        if self._agencies is not None and agency not in self._agencies:
            raise InvalidToken(f"the agency {agency!r} is not one of the partnership's agencies")
        subject = claims.get(self.config.subject_claim) or claims["sub"]
        return Principal(subject=str(subject), agency=agency, roles=roles)


# --- development tokens (``sprg tokens mint``) ----------------------------------------


def new_dev_key() -> bytes:
    """A fresh RSA private key (PEM) for local development tokens."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_dev_key(path: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise AuthMisconfigured(f"cannot read the development key {path}: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise AuthMisconfigured(f"{path} is not an RSA private key")
    return key


def dev_public_jwk(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """The public half as a JWK, its key id a thumbprint of the key."""
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    thumb = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    jwk.update(kid=hashlib.sha256(thumb.encode()).hexdigest()[:16], alg="RS256", use="sig")
    return jwk


def sign(
    key: rsa.RSAPrivateKey,
    *,
    issuer: str,
    audience: str,
    subject: str,
    agency: str,
    roles: Iterable[str],
    ttl: timedelta,
    now: datetime | None = None,
    kid: str | None = None,
) -> str:
    """A token laid out as Keycloak lays out its access tokens (roles in realm_access)."""
    issued = now or datetime.now(UTC)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "agency": agency,
        "realm_access": {"roles": sorted(str(r) for r in roles)},
        "iat": issued,
        "exp": issued + ttl,
    }
    return jwt.encode(
        claims, key, algorithm="RS256", headers={"kid": kid or dev_public_jwk(key)["kid"]}
    )


def mint(
    key_file: Path,
    *,
    subject: str,
    agency: str,
    roles: frozenset[Role],
    ttl: timedelta,
    audience: str = "sprg-api",
    production: bool = False,
) -> str:
    """A development token signed with the local development key (never in production)."""
    if production:
        raise AuthMisconfigured("development tokens are refused in production (SPRG_ENV)")
    return sign(
        load_dev_key(key_file),
        issuer=DEV_ISSUER,
        audience=audience,
        subject=subject,
        agency=agency,
        roles=roles,
        ttl=ttl,
    )

"""Bearer tokens (JWT, HS256) carrying the caller's agency and roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from pydantic import BaseModel, ConfigDict, Field

ISSUER = "sprg"
MIN_SECRET_BYTES = 32


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
    """The token is missing, malformed, expired or not signed by us."""


def check_secret(secret: str) -> str:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"token signing secret must be at least {MIN_SECRET_BYTES} bytes")
    return secret


def mint(
    secret: str,
    *,
    subject: str,
    agency: str,
    roles: frozenset[Role],
    ttl: timedelta,
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "agency": agency,
        "roles": sorted(roles),
        "iat": issued,
        "exp": issued + ttl,
    }
    return jwt.encode(claims, check_secret(secret), algorithm="HS256")


def verify(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "sub"]},
        )
        return Principal(subject=claims["sub"], agency=claims["agency"], roles=claims["roles"])
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc

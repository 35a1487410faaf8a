"""Server-side sessions: the browser holds only a signed, random session id.

A session (the person's tokens, the CSRF token, the sign-ins under way) is kept in a
``SessionStore`` (``adapters/ports.py``): in production the store (``session_store``), so
every replica and the console after a restart find it; the unit tier keeps it in memory.
Its contents are sealed with AES-256-GCM (``sprg_shared.crypto``, the key handling intake
uses for personal data) bound to the record, and the record's key is a hash of the id: a
copy of the store yields neither tokens nor a cookie that works. A session ends at its
lifetime (``SPRG_CONSOLE_SESSION_HOURS``) or on signing out, on every replica at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from sprg_console.adapters.oidc import Person, Tokens, person_from
from sprg_console.adapters.ports import SessionRecord, SessionStore
from sprg_shared.crypto import CannotDecrypt, Sealer

COOKIE = "sprg_console_session"
PURGE_EVERY = timedelta(minutes=5)


@dataclass
class Pending:
    """A sign-in under way: what the callback must see again."""

    state: str
    nonce: str
    verifier: str
    next_path: str


@dataclass
class Session:
    sid: str
    created_at: datetime
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    pending: dict[str, Pending] = field(default_factory=dict)
    tokens: Tokens | None = None
    person: Person | None = None


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _then(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _contents(session: Session) -> bytes:
    tokens = session.tokens
    return json.dumps(
        {
            "created_at": session.created_at.isoformat(),
            "csrf": session.csrf,
            "pending": {k: vars(p) for k, p in session.pending.items()},
            "tokens": None
            if tokens is None
            else {
                "access_token": tokens.access_token,
                "expires_at": _when(tokens.expires_at),
                "refresh_token": tokens.refresh_token,
                "refresh_expires_at": _when(tokens.refresh_expires_at),
                "id_token": tokens.id_token,
            },
        }
    ).encode()


def _session(sid: str, contents: bytes) -> Session:
    data = json.loads(contents)
    found = data.get("tokens")
    tokens = (
        None
        if found is None
        else Tokens(
            access_token=found["access_token"],
            expires_at=datetime.fromisoformat(found["expires_at"]),
            refresh_token=found.get("refresh_token"),
            refresh_expires_at=_then(found.get("refresh_expires_at")),
            id_token=found.get("id_token"),
        )
    )
    return Session(
        sid=sid,
        created_at=datetime.fromisoformat(data["created_at"]),
        csrf=data["csrf"],
        pending={k: Pending(**p) for k, p in data.get("pending", {}).items()},
        tokens=tokens,
        person=person_from(tokens) if tokens is not None else None,
    )


def record_key(sid: str) -> str:
    """What the store keys a session by: a hash of its id, never the id itself."""
    return hashlib.sha256(f"sprg-console-session\x1f{sid}".encode()).hexdigest()


class Sessions:
    def __init__(
        self,
        store: SessionStore,
        sealer: Sealer,
        secret: str,
        lifetime: timedelta,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._sealer = sealer
        self._signer = TimestampSigner(secret, salt="sprg-console-session")
        self._lifetime = lifetime
        self._now = now
        self._purged_at: datetime | None = None

    def cookie_for(self, session: Session) -> str:
        return self._signer.sign(session.sid).decode()

    async def find(self, cookie: str | None) -> Session | None:
        """The session the cookie names, if it is still kept and has not ended."""
        if not cookie:
            return None
        try:
            sid = self._signer.unsign(cookie, max_age=int(self._lifetime.total_seconds())).decode()
        except (BadSignature, SignatureExpired):
            return None
        key = record_key(sid)
        record = await self._store.get(key, self._now())
        if record is None:
            return None
        try:
            return _session(sid, self._sealer.open(record.sealed, case_id=key))
        except (CannotDecrypt, ValueError, KeyError, TypeError):
            await self._store.delete(key)  # another key, or tampered with: sign in again
            return None

    async def save(self, session: Session) -> None:
        key = record_key(session.sid)
        sealed = self._sealer.seal(_contents(session), case_id=key)
        await self._store.put(SessionRecord(key, session.created_at + self._lifetime, sealed))

    async def new(self) -> Session:
        now = self._now()
        if self._purged_at is None or now - self._purged_at >= PURGE_EVERY:
            self._purged_at = now
            await self._store.purge_expired(now)
        session = Session(sid=secrets.token_urlsafe(32), created_at=now)
        await self.save(session)
        return session

    async def renew(self, session: Session) -> Session:
        """A fresh id on signing in (no session fixation); the old one is forgotten."""
        await self.forget(session)
        return await self.new()

    async def forget(self, session: Session) -> None:
        await self._store.delete(record_key(session.sid))

    async def ensure_ready(self) -> None:
        await self._store.ensure_indexes()

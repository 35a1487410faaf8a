"""Server-side sessions: the browser holds only a signed, random session id.

The tokens stay in this process (in memory): a cookie cannot be read to learn them, and
signing out forgets them. A restart of the console signs everyone out, which is the price
of holding nothing on disk; several replicas would need a shared store behind this class
(and sticky sessions until then).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from sprg_console.adapters.oidc import Person, Tokens

COOKIE = "sprg_console_session"


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


class Sessions:
    def __init__(self, secret: str, lifetime: timedelta) -> None:
        self._signer = TimestampSigner(secret, salt="sprg-console-session")
        self._lifetime = lifetime
        self._sessions: dict[str, Session] = {}

    def cookie_for(self, session: Session) -> str:
        return self._signer.sign(session.sid).decode()

    def find(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            sid = self._signer.unsign(cookie, max_age=int(self._lifetime.total_seconds())).decode()
        except (BadSignature, SignatureExpired):
            return None
        return self._sessions.get(sid)

    def new(self) -> Session:
        self._forget_expired()
        session = Session(sid=secrets.token_urlsafe(32), created_at=datetime.now(UTC))
        self._sessions[session.sid] = session
        return session

    def renew(self, session: Session) -> Session:
        """A fresh id on signing in (no session fixation); the old one is forgotten."""
        self._sessions.pop(session.sid, None)
        return self.new()

    def forget(self, session: Session) -> None:
        self._sessions.pop(session.sid, None)

    def _forget_expired(self) -> None:
        oldest = datetime.now(UTC) - self._lifetime
        for sid in [s for s, v in self._sessions.items() if v.created_at < oldest]:
            del self._sessions[sid]

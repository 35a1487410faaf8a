"""What the console needs from the world beyond the services' APIs: a place for sessions,
and the names of the people who signed in (the audit names them, not their sign-in id).

The store adapters (``session_store.StoredSessions`` and ``StoredPeople``, one document per
session or person in the MongoDB-protocol store) and the in-memory ones (``memory``, unit
tier) are held to the same behaviour by tests/contracts/console_sessions.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class SessionRecord:
    """One session as kept: its key (a hash of the id the cookie carries: the store never
    holds the id itself), when it ends, and its contents sealed (AES-256-GCM)."""

    key: str
    expires_at: datetime
    sealed: dict[str, str]


class SessionStore(Protocol):
    async def ensure_indexes(self) -> None: ...

    async def put(self, record: SessionRecord) -> None:
        """Keep the record, replacing the one with its key."""
        ...

    async def get(self, key: str, now: datetime) -> SessionRecord | None:
        """The record, or None when there is none or it has ended at ``now`` (then it goes)."""
        ...

    async def delete(self, key: str) -> None: ...

    async def purge_expired(self, now: datetime) -> int:
        """Remove every record ended at ``now``; how many went."""
        ...


@dataclass(frozen=True)
class KnownPerson:
    """Someone who signed in, as the identity provider's claims named them."""

    subject: str
    name: str
    agency: str


class KnownPeople(Protocol):
    async def ensure_indexes(self) -> None: ...

    async def remember(self, person: KnownPerson, at: datetime) -> None:
        """Keep (or update) what the latest sign-in said of the person."""
        ...

    async def named(self, subjects: list[str]) -> dict[str, KnownPerson]:
        """Those of ``subjects`` known; the others are left out."""
        ...

    async def called(self, name: str) -> list[KnownPerson]:
        """People whose name is ``name`` (any case), for a filter typed as a name."""
        ...

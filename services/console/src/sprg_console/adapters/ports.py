"""What the console needs from the world beyond the services' APIs: a place for sessions.

The store adapter (``session_store.StoredSessions``, one document per session in the
MongoDB-protocol store) and the in-memory one (``memory.MemorySessions``, unit tier) are
held to the same behaviour by tests/contracts/console_sessions.py.
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

"""What the console's session port promises (``sprg_console.adapters.ports.SessionStore``),
held against the in-memory adapter (tests/unit/test_console_sessions.py) and the store
(tests/integration/test_console_sessions.py).

Each base class needs a fixture ``session_store`` giving the adapter on an empty store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sprg_console.adapters.ports import SessionRecord, SessionStore

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)


def record(key: str, ends: datetime, ct: str = "x") -> SessionRecord:
    return SessionRecord(key=key, expires_at=ends, sealed={"alg": "AES-256-GCM", "ct": ct})


class SessionStoreContract:
    async def test_a_session_is_kept_replaced_and_read_back_until_it_ends(
        self, session_store: SessionStore
    ) -> None:
        await session_store.put(record("a", T0 + timedelta(hours=1), "first"))
        await session_store.put(record("a", T0 + timedelta(hours=1), "second"))
        found = await session_store.get("a", T0)
        assert found is not None and found.sealed["ct"] == "second"
        assert abs(found.expires_at - (T0 + timedelta(hours=1))) < timedelta(milliseconds=1)
        assert await session_store.get("nobody", T0) is None

    async def test_an_ended_session_is_never_returned_and_is_removed(
        self, session_store: SessionStore
    ) -> None:
        await session_store.put(record("a", T0 + timedelta(minutes=1)))
        assert await session_store.get("a", T0 + timedelta(minutes=2)) is None
        assert await session_store.get("a", T0) is None, "gone, not only hidden"

    async def test_a_forgotten_session_is_gone(self, session_store: SessionStore) -> None:
        await session_store.put(record("a", T0 + timedelta(hours=1)))
        await session_store.put(record("b", T0 + timedelta(hours=1)))
        await session_store.delete("a")
        await session_store.delete("a")  # twice: nothing to do
        assert await session_store.get("a", T0) is None
        assert await session_store.get("b", T0) is not None

    async def test_purging_removes_only_the_ended_sessions(
        self, session_store: SessionStore
    ) -> None:
        await session_store.put(record("old", T0 - timedelta(seconds=1)))
        await session_store.put(record("live", T0 + timedelta(hours=1)))
        assert await session_store.purge_expired(T0) == 1
        assert await session_store.get("live", T0) is not None
        assert await session_store.get("old", T0 - timedelta(hours=1)) is None

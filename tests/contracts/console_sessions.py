"""What the console's session port promises (``sprg_console.adapters.ports.SessionStore``),
held against the in-memory adapter (tests/unit/test_console_sessions.py) and the store
(tests/integration/test_console_sessions.py).

Each base class needs a fixture giving the adapter on an empty store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sprg_console.adapters.ports import KnownPeople, KnownPerson, SessionRecord, SessionStore

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


class KnownPeopleContract:
    """Fixture ``known_people``: the adapter on an empty store."""

    async def test_the_latest_sign_in_names_a_person_found_by_id_or_by_name(
        self, known_people: KnownPeople
    ) -> None:
        await known_people.remember(KnownPerson("s1", "Pat Officer", "met-police"), T0)
        await known_people.remember(KnownPerson("s1", "Pat Constable", "met-police"), T0)
        await known_people.remember(KnownPerson("s2", "Sam Worker", "croydon-csc"), T0)
        named = await known_people.named(["s1", "s2", "nobody"])
        assert {s: p.name for s, p in named.items()} == {"s1": "Pat Constable", "s2": "Sam Worker"}
        assert await known_people.named([]) == {}
        assert [p.subject for p in await known_people.called("  pat CONSTABLE ")] == ["s1"]
        assert await known_people.called("Pat Officer") == []

"""The console's sessions: the port's contract in memory, and what ``Sessions`` keeps."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from sprg_console.adapters.memory import MemoryPeople, MemorySessions
from sprg_console.adapters.oidc import Tokens
from sprg_console.adapters.sessions import Pending, Sessions, record_key
from sprg_shared.crypto import Sealer
from tests.contracts.console_sessions import KnownPeopleContract, SessionStoreContract
from tests.unit.console_fakes import access_token


class TestMemorySessions(SessionStoreContract):
    @pytest.fixture
    def session_store(self) -> MemorySessions:
        return MemorySessions()


class TestMemoryPeople(KnownPeopleContract):
    @pytest.fixture
    def known_people(self) -> MemoryPeople:
        return MemoryPeople()


def key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def sessions(store: MemorySessions, k: str, clock: Clock) -> Sessions:
    return Sessions(store, Sealer(k, "k1"), "s" * 40, timedelta(hours=8), now=clock)


def tokens() -> Tokens:
    return Tokens(
        access_token=access_token("bt", "cscp", ["business_team"], timedelta(minutes=5)),
        expires_at=datetime(2026, 12, 7, 9, 5, tzinfo=UTC),
        refresh_token="refresh-secret-value",
        id_token="id-token",
    )


async def test_another_replica_finds_the_session_with_its_tokens_sealed_at_rest() -> None:
    store, k, clock = MemorySessions(), key(), Clock()
    first, second = sessions(store, k, clock), sessions(store, k, clock)
    session = await first.new()
    session.pending["st"] = Pending("st", "n", "verifier", "/cases")
    session.tokens = tokens()
    await first.save(session)
    found = await second.find(first.cookie_for(session))
    assert found is not None
    assert found.tokens == session.tokens and found.csrf == session.csrf
    assert found.pending == session.pending
    assert found.person is not None and found.person.agency == "cscp"
    (kept,) = store.records.values()
    assert kept.key == record_key(session.sid) != session.sid, "the store never holds the id"
    at_rest = json.dumps(kept.sealed)
    for secret in ("refresh-secret-value", session.tokens.access_token, session.csrf, "verifier"):
        assert secret not in at_rest


async def test_a_session_ends_at_its_lifetime_or_when_forgotten_and_a_wrong_key_opens_none() -> (
    None
):
    store, clock = MemorySessions(), Clock()
    mine = sessions(store, key(), clock)
    session = await mine.new()
    cookie = mine.cookie_for(session)
    assert await sessions(store, key(), clock).find(cookie) is None, "another key opens nothing"
    session = await mine.new()
    cookie = mine.cookie_for(session)
    clock.now += timedelta(hours=8, seconds=1)
    assert await mine.find(cookie) is None
    assert record_key(session.sid) not in store.records
    clock.now -= timedelta(hours=8, seconds=1)
    session = await mine.new()
    await mine.forget(session)
    assert await mine.find(mine.cookie_for(session)) is None
    assert await mine.find("forged-cookie") is None

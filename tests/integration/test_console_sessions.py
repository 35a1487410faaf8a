"""The console's sessions in the real store, signed in at the real Keycloak: one replica's
session works on another and after a restart; signing out ends it everywhere; an ended
session sends the person to sign in. The port's contract runs on the store too."""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from sprg_console.adapters.session_store import COLLECTION, StoredPeople, StoredSessions
from sprg_console.adapters.sessions import COOKIE
from sprg_console.bootstrap import build
from sprg_console.settings import ConsoleSettings
from sprg_shared.audit import AuditLog
from tests.contracts.console_sessions import KnownPeopleContract, SessionStoreContract
from tests.keycloak import Keycloak, log_in_at, read_secrets
from tests.servers import Servers

pytestmark = pytest.mark.integration
Mongo = AsyncMongoClient[Any]
PUBLIC = "http://127.0.0.1:18999"  # the realm sends the browser back to any loopback port


class TestStoredSessions(SessionStoreContract):
    @pytest.fixture
    async def session_store(self, mongo: Mongo, run_id: str) -> StoredSessions:
        store = StoredSessions(mongo[f"t{run_id}_console"])
        await store.ensure_indexes()
        return store


class TestStoredPeople(KnownPeopleContract):
    @pytest.fixture
    async def known_people(self, mongo: Mongo, run_id: str) -> StoredPeople:
        store = StoredPeople(mongo[f"t{run_id}_console"])
        await store.ensure_indexes()
        return store


async def test_the_audit_finds_a_subjects_entries_by_the_reference_people_were_given(
    mongo: Mongo, run_id: str
) -> None:
    log = AuditLog(mongo[f"t{run_id}_intake"], "intake")
    await log.ensure_indexes()
    mine, other = "1a2b3c4d-5e6f-4000-8000-000000000001", "9f8e7d6c-5e6f-4000-8000-000000000001"
    for case_id in (mine, other, mine):
        await log.append({"case_id": case_id, "by": "s1", "agency": "cscp", "granted": True})
    found = await log.find(reference="SIN-2026-1A2B3C4D")
    assert [e["case_id"] for e in found] == [mine, mine]
    assert await log.find(reference="COC-2026-00000000") == []


@pytest.fixture(scope="module")
def keycloak(servers: Servers) -> Keycloak:
    if not servers.keycloak or servers.secrets_file is None:
        pytest.fail(f"no Keycloak in this run ({servers.how}): start it with deploy/local/infra.sh")
    return Keycloak(servers.keycloak, read_secrets(servers.secrets_file))


@pytest.fixture
def settings(servers: Servers, run_id: str, keycloak: Keycloak) -> ConsoleSettings:
    nowhere = "http://127.0.0.1:9"  # the pages used here ask no service
    return ConsoleSettings(
        session_secret="console-sessions-test-" + "x" * 20,
        public_url=PUBLIC,
        oidc_issuer=keycloak.issuer,
        oidc_client_secret=keycloak.secrets["SPRG_CONSOLE_CLIENT_SECRET"],
        mongodb_url=servers.mongodb,
        database=f"t{run_id}_console",
        session_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        intake_url=nowhere,
        rules_url=nowhere,
        scheduler_url=nowhere,
        notifier_url=nowhere,
        reporting_url=nowhere,
    )


@asynccontextmanager
async def replica(settings: ConsoleSettings) -> AsyncIterator[httpx.AsyncClient]:
    """One console process: its own app, store client and sign-in client, started and
    stopped as uvicorn would (its lifespan)."""
    app: FastAPI = build(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as client,
    ):
        yield client


async def sign_in(console: httpx.AsyncClient, keycloak: Keycloak, user: str) -> str:
    """Through the console's /sign-in and the realm's login page: the session cookie."""
    started = await console.get("/sign-in", params={"next": "/"})
    assert started.status_code == 303, started.text
    pending = started.cookies[COOKIE]
    back = await asyncio.to_thread(
        log_in_at, started.headers["location"], user, keycloak.secrets["SPRG_DEMO_PASSWORD"]
    )
    parts = urlsplit(back)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    done = await as_browser(console, "GET", f"{parts.path}?{parts.query}", pending)
    assert done.status_code == 303 and done.headers["location"] == "/", done.text
    cookie = done.cookies[COOKIE]
    assert cookie != pending, "a fresh session id on signing in"
    header = done.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header
    return cookie


async def as_browser(
    console: httpx.AsyncClient, method: str, path: str, cookie: str, **kwargs: Any
) -> httpx.Response:
    """A request carrying only the cookie given (the client's own jar is emptied first)."""
    console.cookies.clear()
    return await console.request(method, path, headers={"Cookie": f"{COOKIE}={cookie}"}, **kwargs)


async def start_page(console: httpx.AsyncClient, cookie: str) -> httpx.Response:
    return await as_browser(console, "GET", "/", cookie)


async def test_a_session_outlives_its_replica_and_signing_out_ends_it_on_every_replica(
    settings: ConsoleSettings, keycloak: Keycloak, mongo: Mongo
) -> None:
    kept = mongo[settings.database][COLLECTION]
    async with replica(settings) as first:
        cookie = await sign_in(first, keycloak, "demo-police")
        page = await start_page(first, cookie)
        assert page.status_code == 200 and "Demo Police Submitter" in page.text
    # The first replica has stopped (a restart); another, and a second one, on the same store.
    async with replica(settings) as second, replica(settings) as third:
        for console in (second, third):
            page = await start_page(console, cookie)
            assert page.status_code == 200, page.text
            assert "Signed in as <strong>Demo Police Submitter</strong> (met-police)" in page.text
        (doc,) = await kept.find().to_list()
        at_rest = repr(doc)
        assert doc["sealed"]["alg"] == "AES-256-GCM"
        assert "met-police" not in at_rest and "Demo Police" not in at_rest, "sealed at rest"
        assert cookie.split(".")[0] not in at_rest, "the store keeps a hash of the id, not it"
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        out = await as_browser(
            second, "POST", "/sign-out", cookie, data={"csrf_token": csrf.group(1)}
        )
        assert out.status_code == 303 and out.headers["location"] == "/signed-out"
        assert await kept.count_documents({}) == 0
        refused = await start_page(third, cookie)
        assert refused.status_code == 303
        assert refused.headers["location"] == "/sign-in?next=%2F"


async def test_an_ended_session_is_refused_and_the_person_is_sent_to_sign_in(
    settings: ConsoleSettings, keycloak: Keycloak, mongo: Mongo
) -> None:
    kept = mongo[settings.database][COLLECTION]
    async with replica(settings) as console:
        cookie = await sign_in(console, keycloak, "demo-school")
        assert (await start_page(console, cookie)).status_code == 200
        ended = datetime.now(UTC) - timedelta(seconds=1)
        assert (await kept.update_many({}, {"$set": {"expires_at": ended}})).modified_count == 1
        refused = await start_page(console, cookie)
        assert refused.status_code == 303
        assert refused.headers["location"] == "/sign-in?next=%2F"
        assert await kept.count_documents({}) == 0, "an ended session is removed when read"
        indexes = await kept.index_information()
        # The store removes ended sessions by itself too (a TTL index, FerretDB and MongoDB).
        assert any(
            i.get("key") == [("expires_at", 1)] and i.get("expireAfterSeconds") == 0
            for i in indexes.values()
        )

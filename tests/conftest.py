"""Fixtures shared by every test level."""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from functools import cache
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from sprg_shared.auth import Role, new_dev_key
from sprg_shared.topics import ensure_topics
from tests.identity import token_issuer
from tests.servers import Servers, real_servers


@cache
def dev_key_file() -> Path:
    """A development signing key for this run (what `sprg tokens mint` signs with)."""
    path = Path(tempfile.mkdtemp(prefix="sprg-test-")) / "dev-signing-key.pem"
    path.write_bytes(new_dev_key())
    path.chmod(0o600)
    return path


def auth_env() -> dict[str, str]:
    """Services under test trust the test issuer (JWKS over HTTP) and the development key."""
    return {
        "SPRG_AUTH_ISSUER": token_issuer().issuer,
        "SPRG_AUTH_AUDIENCE": "sprg-api",
        "SPRG_AUTH_DEV_KEY_FILE": str(dev_key_file()),
    }


@pytest.fixture(scope="session", autouse=True)
def _auth_settings() -> Iterator[None]:
    """Settings built inside the test process read the same auth settings from the env."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("SPRG_AUTH_")}
    for name in saved:
        del os.environ[name]
    os.environ.update(auth_env())
    yield
    for name in auth_env():
        os.environ.pop(name, None)
    os.environ.update(saved)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    with real_servers() as found:
        ensure_topics(found.kafka)
        yield found


@pytest.fixture
def run_id() -> str:
    """Unique per test: databases, groups and topics are named with it, never cleaned up."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def pii_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
async def mongo(servers: Servers) -> AsyncIterator[AsyncMongoClient[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongodb, tz_aware=True)
    yield client
    await client.close()


def service_env(servers: Servers, run_id: str, pii_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPRG_")}
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": servers.kafka,
            "MONGODB_URL": servers.mongodb,
            "SPRG_INTAKE_PII_KEY": pii_key,
            **auth_env(),
        }
    )
    for service in ("intake", "rules", "scheduler", "notifier", "reporting"):
        env[f"SPRG_{service.upper()}_DATABASE"] = f"t{run_id}_{service}"
        env[f"SPRG_{service.upper()}_CONSUMER_GROUP"] = f"t{run_id}-{service}"
    return env


def bearer(agency: str, *roles: Role, subject: str | None = None) -> dict[str, str]:
    """An Authorization header for a caller of ``agency`` holding ``roles``: a token signed
    by the test issuer, verified by the services against its JWKS over HTTP."""
    token = token_issuer().token(agency, *roles, subject=subject)
    return {"Authorization": f"Bearer {token}"}

"""Fixtures shared by every test level."""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient

from sprg_shared.auth import Role, mint
from sprg_shared.topics import ensure_topics
from tests.servers import Servers, real_servers

JWT_SECRET = "test-secret-" + "x" * 40


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
            "SPRG_JWT_SECRET": JWT_SECRET,
            "SPRG_INTAKE_PII_KEY": pii_key,
        }
    )
    for service in ("intake", "rules", "scheduler", "notifier", "reporting"):
        env[f"SPRG_{service.upper()}_DATABASE"] = f"t{run_id}_{service}"
        env[f"SPRG_{service.upper()}_CONSUMER_GROUP"] = f"t{run_id}-{service}"
    return env


def bearer(agency: str, *roles: Role, subject: str | None = None) -> dict[str, str]:
    """An Authorization header for a caller of ``agency`` holding ``roles``."""
    token = mint(
        JWT_SECRET,
        subject=subject or f"{agency}-user",
        agency=agency,
        roles=frozenset(roles),
        ttl=timedelta(hours=1),
    )
    return {"Authorization": f"Bearer {token}"}

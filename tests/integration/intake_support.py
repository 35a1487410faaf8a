"""Fixtures and helpers for intake's integration tests: the real app on a real port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from sprg_intake.bootstrap import build
from sprg_intake.settings import IntakeSettings
from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.envelope import Envelope
from tests.conftest import bearer
from tests.http_server import serving
from tests.integration.kafka_helpers import read_until
from tests.servers import Servers

PLANTED = "Ottoline Marchbanks"
REPORT: dict[str, Any] = {
    "aware_date": "2026-04-02",
    "event": {
        "kind": "death",
        "date": "2026-04-01",
        "location": "in_area",
        "abuse_or_neglect": "suspected",
    },
    "children": [
        {
            "name": PLANTED,
            "date_of_birth": "2022-02-22",
            "address": "7 Planted Lane",
            "looked_after": False,
            "care_leaver": False,
            "normally_resident_in_area": True,
        }
    ],
    "summary": f"{PLANTED} was known to services.",
}

CSC = bearer("croydon-csc", Role.AGENCY_SUBMITTER)
POLICE = bearer("met-police", Role.AGENCY_SUBMITTER)
BUSINESS = bearer("cscp", Role.BUSINESS_TEAM)
CHAIR = bearer("met-police", Role.CHAIR, Role.SPRG_MEMBER)
MEMBER = bearer("croydon-icb", Role.SPRG_MEMBER)
EXEC = bearer("cscp", Role.EXECUTIVE_READER)


def make_settings(servers: Servers, run_id: str, pii_key: str, **extra: Any) -> IntakeSettings:
    return IntakeSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        pii_key=pii_key,
        database=f"t{run_id}_intake",
        http_port=0,
        outbox_poll_seconds=0.2,
        # Its own group on sprg.dlq, from now: not the dead letters of every earlier test.
        consumer_group=f"t{run_id}-intake",
        consumer_start_at=datetime.now(UTC) - timedelta(seconds=5),
        **extra,
    )


@pytest.fixture
def settings(servers: Servers, run_id: str, pii_key: str) -> IntakeSettings:
    return make_settings(servers, run_id, pii_key, max_upload_bytes=200_000)


@pytest.fixture
async def intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(build(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=15) as client,
    ):
        yield client


@pytest.fixture
def records(mongo: AsyncMongoClient[Any], settings: IntakeSettings) -> Any:
    return mongo[settings.database]["records"]


@pytest.fixture
def audit(mongo: AsyncMongoClient[Any], settings: IntakeSettings) -> Any:
    return mongo[settings.database]["audit"]


def meeting_day(run_id: str) -> date:
    """A meeting date of this test's own: a meeting's id is its date, and the topics are
    shared by every test of a run."""
    return date(2027, 1, 4) + timedelta(days=int(run_id[:6], 16) % 700)


async def events_about(servers: Servers, key: str, count: int) -> list[Envelope]:
    """The first ``count`` events on sprg.intake keyed by ``key``, in the order published.

    Read in a thread: the app under test serves from this event loop, and its relay must
    keep running while we wait.
    """
    seen = await asyncio.to_thread(
        read_until,
        servers.kafka,
        topics.INTAKE,
        lambda found: sum(e.subject == key for e in found) >= count,
    )
    return [e for e in seen if e.subject == key]


async def new_case(intake: httpx.AsyncClient, headers: dict[str, str] = CSC) -> str:
    response = await intake.post("/v1/incidents", json=REPORT, headers=headers)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    return case_id

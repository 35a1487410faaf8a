"""Recording the SIN's submission: the rules decide again, the clock is met or late."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sprg_intake.bootstrap import build as intake_app
from sprg_intake.settings import IntakeSettings
from sprg_rules.bootstrap import build as rules_app
from sprg_rules.settings import RulesSettings
from tests.http_server import serving
from tests.integration.test_intake import BUSINESS, CSC, REPORT
from tests.servers import Servers

pytestmark = pytest.mark.integration


@pytest.fixture
async def services(
    servers: Servers, run_id: str, pii_key: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": servers.kafka,
        "mongodb_url": servers.mongodb,
        "http_port": 0,
    }
    intake = IntakeSettings(
        **common, pii_key=pii_key, database=f"t{run_id}_intake", outbox_poll_seconds=0.2
    )
    rules = RulesSettings(**common, database=f"t{run_id}_rules", consumer_group=f"t{run_id}-rules")
    async with (
        serving(intake_app(intake)) as intake_url,
        serving(rules_app(rules)) as rules_url,
        httpx.AsyncClient(base_url=intake_url, timeout=30) as intake_client,
        httpx.AsyncClient(base_url=rules_url, timeout=30) as rules_client,
    ):
        yield intake_client, rules_client


async def decisions(rules: httpx.AsyncClient, case_id: str, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(60):
        while (
            len(
                found := (
                    await rules.get("/v1/decisions", params={"case_id": case_id}, headers=BUSINESS)
                ).json()
            )
            < count
        ):
            await asyncio.sleep(0.2)
    return list(found)


def clocks(decision: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["kind"]: c for c in decision["clocks"]}


async def test_a_submission_in_time_meets_the_clock_and_re_anchors_the_rapid_review(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    intake, rules = services
    case_id = (await intake.post("/v1/incidents", json=REPORT, headers=CSC)).json()["case_id"]
    first = (await decisions(rules, case_id, 1))[0]
    assert clocks(first)["sin_notification"]["status"] == "open"
    assert clocks(first)["rapid_review"]["due"] == "2026-05-05"  # 15 WD after the SIN's due date

    path = f"/v1/cases/{case_id}/sin-submission"
    refused = await intake.post(path, json={"submitted_date": "2026-04-08"}, headers=CSC)
    assert refused.status_code == 403  # the local authority's Business Team records it
    early = await intake.post(path, json={"submitted_date": "2026-04-01"}, headers=BUSINESS)
    assert early.status_code == 422 and "before the awareness date" in early.json()["detail"]
    recorded = await intake.post(path, json={"submitted_date": "2026-04-08"}, headers=BUSINESS)
    assert recorded.status_code == 200, recorded.text
    again = await intake.post(path, json={"submitted_date": "2026-04-08"}, headers=BUSINESS)
    assert again.status_code == 200 and again.json()["replayed"] is True
    other = await intake.post(path, json={"submitted_date": "2026-04-09"}, headers=BUSINESS)
    assert other.status_code == 409 and "2026-04-08" in other.json()["detail"]

    second = (await decisions(rules, case_id, 2))[-1]
    assert clocks(second)["sin_notification"] == {
        **clocks(first)["sin_notification"],
        "status": "met",
        "met_on": "2026-04-08",  # the submission's date, which the scheduler meets it on
    }
    assert clocks(second)["rapid_review"]["due"] == "2026-04-29"  # 15 WD after the submission
    assert clocks(second)["rapid_review"]["anchor"] == "sin_submitted_date"

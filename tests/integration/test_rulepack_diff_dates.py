"""Issue 13, point 10: a rule pack's dry-run (``sprg rules diff``) compares only the cases
the pack would judge by their legal date, and a pack whose golden cases fail can still be
dry-run (it says which fail), though never activated. Against the real broker and store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sprg_rules.bootstrap import build
from sprg_shared import topics
from sprg_shared.bus import Producer
from sprg_shared.contracts.intake import ChildFacts, IncidentFacts, IncidentReported
from sprg_shared.envelope import envelope_for
from sprg_shared.metrics import bus_metrics
from tests.http_server import serving
from tests.integration.test_rulepack_lifecycle import (
    ADMIN,
    MEMBER,
    awareness_anchored,
    settings,
)
from tests.servers import Servers

pytestmark = pytest.mark.integration


@pytest.fixture
async def rules(servers: Servers, run_id: str) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(build(settings(servers, run_id, "a"))) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield client


async def reported(servers: Servers, case_id: str, aware: date) -> None:
    event = IncidentReported(
        case_id=case_id,
        reference=f"SIN-{aware.year}-TEST",
        reporting_agency="croydon-csc",
        reported_at=datetime(aware.year, aware.month, aware.day, 9, tzinfo=UTC),
        aware_date=aware,
        incident=IncidentFacts(
            kind="death", date=aware, location="in_area", abuse_or_neglect="suspected"
        ),
        children=(
            ChildFacts(
                age_years=6, looked_after=False, care_leaver=False, normally_resident_in_area=True
            ),
        ),
    )
    producer = Producer(servers.kafka, "test", bus_metrics(CollectorRegistry(), "test"))
    try:
        await producer.publish(topics.INTAKE, envelope_for(event, source="sprg/test"))
    finally:
        producer.close()


async def decided(rules: httpx.AsyncClient, case_id: str) -> None:
    # A new group reads sprg.intake from its start (every earlier test's incidents).
    async with asyncio.timeout(120):
        while not (
            await rules.get("/v1/decisions", params={"case_id": case_id}, headers=MEMBER)
        ).json():
            await asyncio.sleep(0.2)


async def test_the_dry_run_compares_only_the_cases_the_pack_would_judge_by_their_date(
    rules: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    # A pack effective 2090 to 2092 that anchors the Rapid Review on awareness: it would
    # decide both cases differently, but judges only the one aware within its dates.
    candidate = awareness_anchored(f"2090.7-{run_id}")
    inside, before = f"inside-{run_id}", f"before-{run_id}"
    await reported(servers, inside, date(2091, 4, 2))
    await reported(servers, before, date(2089, 6, 1))
    await decided(rules, inside)
    await decided(rules, before)

    answer = await rules.post("/v1/rulepacks/diff", content=candidate, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    changed = {c["case_id"] for c in diff["changes"]}
    assert inside in changed
    assert before not in changed, "a case aware in 2089 is not judged by a pack of 2090-2092"
    # (The rules read every incident on the broker: other tests' cases are there too.)
    assert diff["cases_compared"] >= 1 and diff["cases_not_judged"] >= 1
    assert "effective from 2090-01-01 to 2092-01-01" in diff["not_judged_because"]
    assert diff["activatable"] is True and diff["golden_failures"] == []


async def test_a_pack_whose_goldens_fail_is_dry_run_saying_which_but_never_activated(
    rules: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    version = f"2090.8-{run_id}"
    failing = awareness_anchored(version).replace("2026-10-26", "2026-10-27")
    case_id = f"golden-{run_id}"
    await reported(servers, case_id, date(2091, 4, 2))
    await decided(rules, case_id)

    answer = await rules.post("/v1/rulepacks/diff", content=failing, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    assert diff["activatable"] is False
    assert len(diff["golden_failures"]) == 1
    assert "care-leaver-aged-17-is-still-a-child" in diff["golden_failures"][0]
    assert case_id in {c["case_id"] for c in diff["changes"]}  # the dry-run still ran

    upload = await rules.post("/v1/rulepacks", content=failing, headers=ADMIN)
    assert upload.status_code == 422 and "golden cases fail" in upload.json()["detail"]
    activate = await rules.post(
        f"/v1/rulepacks/statutory-england/{version}/activate",
        json={"reason": "try it"},
        headers=ADMIN,
    )
    assert activate.status_code == 404, activate.text

"""The two reads the console's worklist pages with, on the real broker and store: the
scheduler's clocks page after page (``offset``) and many cases' read models from
reporting in one request (``GET /v1/cases?ids=``)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from sprg_shared.auth import Role
from tests.conftest import bearer
from tests.integration.five_services import Five, running_five
from tests.integration.intake_support import REPORT
from tests.servers import Servers

pytestmark = pytest.mark.integration

CSC = bearer("croydon-csc", Role.AGENCY_SUBMITTER)
POLICE = bearer("met-police", Role.AGENCY_SUBMITTER)
TEAM = bearer("cscp", Role.BUSINESS_TEAM)


@pytest.fixture(scope="module")
async def five(servers: Servers, pii_key: str) -> AsyncIterator[Five]:
    async with running_five(servers, "batch" + uuid.uuid4().hex[:8], pii_key) as running:
        yield running


async def _three_cases_known_everywhere(five: Five) -> list[str]:
    ids = []
    for _ in range(3):
        answer = await five.clients["intake"].post("/v1/incidents", json=REPORT, headers=CSC)
        assert answer.status_code == 201, answer.text
        ids.append(str(answer.json()["case_id"]))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        models = await five.clients["reporting"].get(
            "/v1/cases", params={"ids": ",".join(ids)}, headers=TEAM
        )
        clocks = await five.clients["scheduler"].get(
            "/v1/clocks", params={"limit": 1000}, headers=TEAM
        )
        started = {c["case_id"] for c in clocks.json()} if clocks.status_code == 200 else set()
        if models.status_code == 200 and len(models.json()) == 3 and set(ids) <= started:
            return ids
        await asyncio.sleep(0.5)
    raise AssertionError("the cases were not in reporting's read model and the scheduler")


async def test_many_cases_in_one_read_and_the_scheduler_page_after_page(five: Five) -> None:
    ids = await _three_cases_known_everywhere(five)
    reporting, scheduler = five.clients["reporting"], five.clients["scheduler"]

    found = await reporting.get(
        "/v1/cases", params={"ids": ",".join([*ids, "no-such-case"])}, headers=TEAM
    )
    assert found.status_code == 200
    assert sorted(d["_id"] for d in found.json()) == sorted(ids)
    assert all(str(d["reference"]).startswith("SIN-") for d in found.json())
    assert (
        await reporting.get("/v1/cases", params={"ids": ids[0]}, headers=POLICE)
    ).status_code == 403
    refused = await reporting.get("/v1/cases", params={"ids": ","}, headers=TEAM)
    assert refused.status_code == 422 and "ids" in refused.text
    too_many = ",".join(f"c{n}" for n in range(501))
    assert (
        await reporting.get("/v1/cases", params={"ids": too_many}, headers=TEAM)
    ).status_code == 422

    everything = (await scheduler.get("/v1/clocks", params={"limit": 1000}, headers=TEAM)).json()
    assert len(everything) >= 3
    paged = []
    for offset in range(len(everything)):
        page = await scheduler.get(
            "/v1/clocks", params={"limit": 1, "offset": offset}, headers=TEAM
        )
        assert page.status_code == 200
        paged += page.json()
    assert [c["clock_id"] for c in paged] == [c["clock_id"] for c in everything]
    beyond = await scheduler.get(
        "/v1/clocks", params={"limit": 10, "offset": len(everything)}, headers=TEAM
    )
    assert beyond.json() == []

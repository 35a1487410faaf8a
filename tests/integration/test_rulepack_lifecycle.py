"""A rule pack goes from upload to live on every replica, without a restart, and back."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sprg_rules.bootstrap import build
from sprg_rules.settings import RulesSettings
from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.contracts.intake import ChildFacts, IncidentFacts, IncidentReported
from sprg_shared.envelope import envelope_for
from sprg_shared.metrics import bus_metrics
from tests.conftest import bearer
from tests.http_server import serving
from tests.servers import Servers

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
BASE = resources.files("sprg_rules.packs").joinpath("statutory-england.yaml").read_text()
ADMIN = bearer("cscp", Role.RULES_ADMIN, subject="maintainer")
MEMBER = bearer("cscp", Role.SPRG_MEMBER, subject="member")
# Future-dated, so the packs these tests activate judge only cases of their own era.
CASE: dict[str, Any] = {
    "case_id": "L1",
    "aware_date": "2091-04-02",
    "event": {
        "kind": "death",
        "date": "2091-04-01",
        "location": "in_area",
        "abuse_or_neglect": "suspected",
    },
    "children": [
        {
            "date_of_birth": "2085-02-22",
            "looked_after": False,
            "care_leaver": False,
            "normally_resident_in_area": True,
        }
    ],
}


def awareness_anchored(version: str, era: tuple[str, str] = ("2090-01-01", "2092-01-01")) -> str:
    """The statutory pack with the Rapid Review anchored on awareness (the seed's reading).

    In force only in a far-future era of its own, so it judges no other test's cases
    even on a broker that keeps the activations of earlier runs.
    """
    return (
        BASE.replace('version: "2026.1"', f'version: "{version}"')
        .replace("effective_from: 2024-12-01", f"effective_from: {era[0]}\neffective_to: {era[1]}")
        .replace("\n  rapid_review_anchor: sin_submitted", "\n  rapid_review_anchor: awareness")
        # ...and the golden cases updated with it, as a maintainer would.
        .replace("rapid_review: {due: 2026-11-02}", "rapid_review: {due: 2026-10-26}")
        .replace("rapid_review: {due: 2026-02-02}", "rapid_review: {due: 2026-01-26}")
        .replace("rapid_review: {due: 2027-01-26}", "rapid_review: {due: 2027-01-19}")
    )


def settings(servers: Servers, run_id: str, replica: str) -> RulesSettings:
    return RulesSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        database=f"t{run_id}_rules",
        http_port=0,
        consumer_group=f"t{run_id}-rules",
        instance_id=replica,
    )


@pytest.fixture
async def replicas(
    servers: Servers, run_id: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        serving(build(settings(servers, run_id, "a"))) as url_a,
        serving(build(settings(servers, run_id, "b"))) as url_b,
        httpx.AsyncClient(base_url=url_a, timeout=30) as a,
        httpx.AsyncClient(base_url=url_b, timeout=30) as b,
    ):
        yield a, b


async def publish_incident(servers: Servers, case_id: str) -> None:
    event = IncidentReported(
        case_id=case_id,
        reference="SIN-2091-TEST",
        reporting_agency="croydon-csc",
        reported_at=datetime(2091, 4, 2, 9, tzinfo=UTC),
        aware_date=date(2091, 4, 2),
        incident=IncidentFacts(
            kind="death", date=date(2091, 4, 1), location="in_area", abuse_or_neglect="suspected"
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


async def version_for(client: httpx.AsyncClient, case: dict[str, Any]) -> tuple[str, str]:
    answer = (await client.post("/v1/assessments", json=case, headers=MEMBER)).json()
    return answer["rulepack"]["version"], answer["clocks"]["rapid_review"]["due"]


async def until(client: httpx.AsyncClient, case: dict[str, Any], version: str) -> tuple[str, str]:
    async with asyncio.timeout(15):
        while (found := await version_for(client, case))[0] != version:
            await asyncio.sleep(0.2)
    return found


async def test_a_pack_is_validated_activated_on_every_replica_and_rolled_back(
    replicas: tuple[httpx.AsyncClient, httpx.AsyncClient], run_id: str, servers: Servers
) -> None:
    a, b = replicas
    version = f"2090.1-{run_id}"
    text = awareness_anchored(version)

    broken = await a.post(
        "/v1/rulepacks", content=text.replace("op: lt", "op: below"), headers=ADMIN
    )
    assert broken.status_code == 422 and "rules.0.when.0.op" in broken.json()["detail"]
    failing = await a.post(
        "/v1/rulepacks", content=text.replace("2026-10-26", "2026-10-27"), headers=ADMIN
    )
    assert failing.status_code == 422 and "golden cases fail" in failing.json()["detail"]
    assert (await a.post("/v1/rulepacks", content=text, headers=MEMBER)).status_code == 403

    uploaded = await a.post("/v1/rulepacks", content=text, headers=ADMIN)
    assert uploaded.status_code == 201, uploaded.text
    conflict = await a.post(
        "/v1/rulepacks",
        content=text.replace("Serious incident in the area", "Changed"),
        headers=ADMIN,
    )
    assert conflict.status_code == 409

    # A case decided from the bus, so that diff has stored facts to try the candidate on.
    case_id = f"lifecycle-{run_id}"
    await publish_incident(servers, case_id)
    async with asyncio.timeout(30):
        while not (
            await b.get("/v1/decisions", params={"case_id": case_id}, headers=MEMBER)
        ).json():
            await asyncio.sleep(0.2)
    diff = (await a.post("/v1/rulepacks/diff", content=text, headers=ADMIN)).json()
    ours = [c for c in diff["changes"] if c["case_id"] == case_id]
    assert [c["field"] for c in ours] == ["clocks"]
    assert ours[0]["before"]["rapid_review"] == {"due": "2091-05-02"}
    assert ours[0]["after"]["rapid_review"] == {"due": "2091-04-25"}

    before = await version_for(b, CASE)
    assert before == ("2026.1", "2091-05-02")  # anchored on the SIN due date (5 + 15 WD)

    activated = await a.post(
        f"/v1/rulepacks/statutory-england/{version}/activate",
        json={"reason": "adopt the seed's reading"},
        headers=ADMIN,
    )
    assert activated.status_code == 200, activated.text
    assert await until(b, CASE, version) == (version, "2091-04-25")  # 15 WD after awareness
    present = {**copy.deepcopy(CASE), "aware_date": "2026-04-02"}
    present["event"] = {**CASE["event"], "date": "2026-04-01"}
    present["children"] = [{**CASE["children"][0], "date_of_birth": "2022-02-22"}]
    assert (await version_for(b, present))[0] == "2026.1"  # a 2026 case keeps the 2026 pack

    rolled = await a.post(
        "/v1/rulepacks/statutory-england/rollback", json={"reason": "back out"}, headers=ADMIN
    )
    assert rolled.status_code == 200 and "2026.1" in rolled.json()["still_active"]
    assert (await until(b, CASE, "2026.1"))[0] == "2026.1"
    listing = (await a.get("/v1/rulepacks", headers=ADMIN)).json()
    assert [p["active"] for p in listing if p["version"] == version] == [False]


async def test_the_http_assessment_answers_like_the_command_and_refuses_in_one_line(
    replicas: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, _ = replicas
    examples = sorted(EXAMPLES.glob("E*.json"))
    assert examples
    for path in examples:
        case = json.loads(path.read_text())
        answer = (await a.post("/v1/assessments", json=case["input"], headers=MEMBER)).json()
        for field, expected in case["expected"].items():
            assert answer[field] == expected, (path.name, field)
    bad = copy.deepcopy(CASE)
    bad["event"]["date"] = "2091-02-30"
    refused = await a.post("/v1/assessments", json=bad, headers=MEMBER)
    assert refused.status_code == 422
    assert "event.date" in refused.json()["detail"] and "\n" not in refused.json()["detail"]
    assert (await a.post("/v1/assessments", json=CASE)).status_code == 401


async def test_the_sprg_decisions_are_served_with_reasons_and_refuse_bad_facts(
    replicas: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, _ = replicas
    meeting: dict[str, Any] = {
        "meeting_date": "2026-05-20",
        "as_of": "2026-05-13",
        "members": [
            {
                "role": "Head of Service Early Help and CSC",
                "partner": "csc",
                "attendance": "expected",
            },
            {
                "role": "Designated Nurse Safeguarding Children",
                "partner": "icb",
                "attendance": "expected",
            },
            {
                "role": "Detective Inspector",
                "partner": "police",
                "attendance": "apologies",
                "apologies_received_date": "2026-05-12",
            },
        ],
    }
    answer = await a.post("/v1/decisions/meeting", json=meeting, headers=MEMBER)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["forecast_inquorate"] is True
    assert [u["partner"] for u in body["unrepresented"]] == ["police"]
    assert all(d["source"] and d["because"] for d in body["decisions"])

    bad = copy.deepcopy(meeting)
    bad["members"][2]["apologies_received_date"] = "2026-05-32"
    refused = await a.post("/v1/decisions/meeting", json=bad, headers=MEMBER)
    assert (
        refused.status_code == 422
        and "members.2.apologies_received_date" in refused.json()["detail"]
    )
    assert (await a.post("/v1/decisions/horoscope", json={}, headers=MEMBER)).status_code == 404
    assert (await a.post("/v1/decisions/meeting", json=meeting)).status_code == 401

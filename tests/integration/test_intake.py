"""Intake over real HTTP against the real store and broker."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_intake.adapters.outbox import OutboxRelay
from sprg_intake.adapters.repository import CaseRepository
from sprg_intake.bootstrap import build, build_deps
from sprg_intake.domain.commands import ReportIncident
from sprg_intake.handlers.incident import report_incident
from sprg_intake.settings import IntakeSettings
from sprg_shared import topics
from sprg_shared.auth import Principal, Role
from sprg_shared.runtime import Runtime
from tests.conftest import bearer
from tests.http_server import serving
from tests.identity import token_issuer
from tests.integration.kafka_helpers import read_until
from tests.servers import Servers

pytestmark = pytest.mark.integration

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


auth = bearer


CSC = auth("croydon-csc", Role.AGENCY_SUBMITTER)
POLICE = auth("met-police", Role.AGENCY_SUBMITTER)
BUSINESS = auth("cscp", Role.BUSINESS_TEAM)


@pytest.fixture
def settings(servers: Servers, run_id: str, pii_key: str) -> IntakeSettings:
    return IntakeSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        pii_key=pii_key,
        database=f"t{run_id}_intake",
        http_port=0,
        outbox_poll_seconds=0.2,
    )


@pytest.fixture
async def intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(build(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=15) as client,
    ):
        yield client


@pytest.fixture
def cases(mongo: AsyncMongoClient[Any], settings: IntakeSettings) -> Any:
    return mongo[settings.database]["cases"]


async def test_a_report_is_stored_encrypted_and_published_without_personal_data(
    intake: httpx.AsyncClient, cases: Any, servers: Servers
) -> None:
    response = await intake.post("/v1/incidents", json=REPORT, headers=CSC)
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]

    stored = await cases.find_one({"_id": case_id})
    assert PLANTED not in json.dumps(stored, default=str)
    assert "2022-02-22" not in json.dumps(stored["personal"])
    assert stored["facts"]["children"][0]["age_years"] == 4

    events = read_until(
        servers.kafka, topics.INTAKE, lambda found: any(e.subject == case_id for e in found)
    )
    ours = [e for e in events if e.subject == case_id]
    assert [e.type for e in ours] == ["sprg.incident.reported.v1"]
    assert (
        PLANTED not in ours[0].model_dump_json() and "2022-02-22" not in ours[0].model_dump_json()
    )
    assert ours[0].data["children"] == [
        {
            "age_years": 4,
            "looked_after": False,
            "care_leaver": False,
            "normally_resident_in_area": True,
        }
    ]


async def test_only_the_submitter_and_the_business_team_read_a_case_and_reads_are_audited(
    intake: httpx.AsyncClient, mongo: AsyncMongoClient[Any], settings: IntakeSettings
) -> None:
    case_id = (await intake.post("/v1/incidents", json=REPORT, headers=CSC)).json()["case_id"]
    own = await intake.get(
        f"/v1/cases/{case_id}", params={"reason": "checking my report"}, headers=CSC
    )
    assert own.status_code == 200 and own.json()["personal"]["children"][0]["name"] == PLANTED
    other = await intake.get(f"/v1/cases/{case_id}", params={"reason": "curious"}, headers=POLICE)
    assert other.status_code == 404
    team = await intake.get(
        f"/v1/cases/{case_id}", params={"reason": "rapid review"}, headers=BUSINESS
    )
    assert team.status_code == 200
    reads = [
        r
        async for r in mongo[settings.database]["audit"].find(
            {"case_id": case_id, "action": "read"}
        )
    ]
    assert [(r["agency"], r["reason"], r["granted"]) for r in reads] == [
        ("croydon-csc", "checking my report", True),
        ("met-police", "curious", False),
        ("cscp", "rapid review", True),
    ]
    no_reason = await intake.get(f"/v1/cases/{case_id}", headers=BUSINESS)
    assert no_reason.status_code == 422


async def test_a_retried_post_returns_the_first_result_and_never_a_second_case(
    intake: httpx.AsyncClient, cases: Any
) -> None:
    headers = {**CSC, "Idempotency-Key": "retry-1"}
    first = await intake.post("/v1/incidents", json=REPORT, headers=headers)
    again = await intake.post("/v1/incidents", json=REPORT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    changed = copy.deepcopy(REPORT)
    changed["aware_date"] = "2026-04-03"
    conflict = await intake.post("/v1/incidents", json=changed, headers=headers)
    assert conflict.status_code == 422 and "Idempotency-Key" in conflict.json()["detail"]
    assert await cases.count_documents({"_id": first.json()["case_id"]}) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.update(children=[]), "children"),
        (lambda r: r["event"].update(date="2026-02-30"), "date"),
        (lambda r: r["event"].update(kind="accident"), "kind"),
        (lambda r: r.update(children=r["children"] * 5), "children"),
        (
            lambda r: r["children"][0].update(date_of_birth="2026-05-01"),
            "date_of_birth is after event.date",
        ),
        (lambda r: r.update(unexpected=True), "unexpected"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    intake: httpx.AsyncClient, cases: Any, change: Any, field: str
) -> None:
    report = copy.deepcopy(REPORT)
    change(report)
    before = await cases.count_documents({})
    response = await intake.post("/v1/incidents", json=report, headers=CSC)
    assert response.status_code == 422
    assert field in json.dumps(response.json()["detail"])
    assert await cases.count_documents({}) == before


async def test_callers_without_a_valid_token_or_role_are_refused(intake: httpx.AsyncClient) -> None:
    assert (await intake.post("/v1/incidents", json=REPORT)).status_code == 401
    forged = {
        "Authorization": "Bearer "
        # Well formed, right issuer and audience, but signed by a key the issuer never published.
        + token_issuer().token(
            "x",
            Role.AGENCY_SUBMITTER,
            key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        )
    }
    assert (await intake.post("/v1/incidents", json=REPORT, headers=forged)).status_code == 401
    # Signed by the trusted issuer, but a 100-year token, or one for another API: refused.
    for bad in (
        token_issuer().token("x", Role.AGENCY_SUBMITTER, ttl=timedelta(days=36500)),
        token_issuer().token("x", Role.AGENCY_SUBMITTER, audience="another-api"),
        token_issuer().token("x", Role.AGENCY_SUBMITTER, issuer="http://127.0.0.1:1/realms/x"),
    ):
        answer = await intake.post(
            "/v1/incidents", json=REPORT, headers={"Authorization": f"Bearer {bad}"}
        )
        assert answer.status_code == 401, answer.text
    reader = auth("cscp", Role.EXECUTIVE_READER)
    assert (await intake.post("/v1/incidents", json=REPORT, headers=reader)).status_code == 403


async def test_events_left_unsent_by_a_crash_are_published_by_the_next_relay(
    settings: IntakeSettings, servers: Servers, cases: Any
) -> None:
    # A case written by an intake that died before its relay ran: the outbox is still pending.
    runtime = Runtime.build("intake", settings, CollectorRegistry())
    try:
        deps = build_deps(runtime, settings)
        receipt = await report_incident(
            ReportIncident.model_validate(REPORT),
            Principal(subject="u", agency="croydon-csc", roles=frozenset({Role.AGENCY_SUBMITTER})),
            deps,
            idempotency_key=None,
            traceparent=None,
        )
        assert (await cases.find_one({"_id": receipt.case_id}))["outbox_pending"]
        relay = OutboxRelay(CaseRepository(runtime.db), runtime.producer, poll_seconds=1)
        assert await relay.drain() >= 1
        assert (await cases.find_one({"_id": receipt.case_id}))["outbox_pending"] == []
        read_until(
            servers.kafka,
            topics.INTAKE,
            lambda found: any(e.subject == receipt.case_id for e in found),
        )
    finally:
        await runtime.close()

"""The access matrix across the five services, the cross-agency probe, the audit, and
the protections every service's web layer gives (headers, body limit)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from sprg_shared.access import MATRIX
from sprg_shared.auth import Role
from sprg_shared.references import minted
from tests.api_routes import api_routes
from tests.conftest import bearer
from tests.integration.five_services import APPS, SERVICES, Five, running_five
from tests.integration.intake_support import REPORT
from tests.servers import Servers

pytestmark = pytest.mark.integration

CSC = bearer("croydon-csc", Role.AGENCY_SUBMITTER)
POLICE = bearer("met-police", Role.AGENCY_SUBMITTER)
TEAM = bearer("cscp", Role.BUSINESS_TEAM)
READ = {"reason": "checking the matrix"}


@pytest.fixture(scope="module")
async def five(servers: Servers, pii_key: str) -> AsyncIterator[Five]:
    async with running_five(servers, "acl" + uuid.uuid4().hex[:8], pii_key) as running:
        yield running


async def until(check: Callable[[], Awaitable[Any]], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := await check():
            return found
        await asyncio.sleep(0.3)
    raise AssertionError(f"not within {seconds}s: {what}")


def test_every_route_of_every_service_has_a_row_and_every_row_a_route() -> None:
    for service in SERVICES:
        routes = {name for name, _, _ in api_routes(APPS[service]())}
        assert sorted(MATRIX[service]) == sorted(routes), service


async def test_every_route_refuses_each_role_it_does_not_name_and_callers_without_a_token(
    five: Five,
) -> None:
    wrong: list[str] = []
    for service in SERVICES:
        client = five.clients[service]
        for name, method, path in api_routes(APPS[service]()):
            url = re.sub(r"\{[a-z_]+\}", "0", path)
            anonymous = await client.request(method, url, json={})
            if anonymous.status_code != 401:
                wrong.append(f"{service} {method} {path} without a token: {anonymous.status_code}")
            for role in Role:
                response = await client.request(
                    method, url, json={}, headers=bearer("some-agency", role)
                )
                # Refused by the matrix: 401, or 403 naming the roles (a 403 for what an
                # admitted caller asked, e.g. an agency's unscoped list of clocks, is not).
                refused = response.status_code == 401 or (
                    response.status_code == 403
                    and "requires one of the roles" in response.json().get("detail", "")
                )
                admitted = not refused
                if admitted != (role in MATRIX[service][name].roles):
                    wrong.append(f"{service} {method} {path} as {role}: {response.status_code}")
                if response.status_code >= 500:
                    wrong.append(f"{service} {method} {path} as {role}: {response.status_code}")
    assert wrong == []


async def _reported(five: Five, headers: dict[str, str] = CSC) -> str:
    response = await five.clients["intake"].post("/v1/incidents", json=REPORT, headers=headers)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    return case_id


async def _decided_and_clocked(five: Five, case_id: str) -> None:
    """The rules decided the case, the scheduler started its clocks, and both know whose
    case it is (the reporting agency reads its own)."""
    rules, scheduler = five.clients["rules"], five.clients["scheduler"]

    async def known() -> bool:
        decisions = await rules.get("/v1/decisions", params={"case_id": case_id}, headers=CSC)
        clocks = await scheduler.get("/v1/clocks", params={"case_id": case_id}, headers=CSC)
        return (
            decisions.status_code == 200
            and bool(decisions.json())
            and clocks.status_code == 200
            and bool(clocks.json())
        )

    await until(known, f"decisions and clocks of {case_id} readable by its agency")


async def test_another_agency_reads_nothing_of_a_case_in_any_service(five: Five) -> None:
    case_id = await _reported(five)
    await _decided_and_clocked(five, case_id)
    c = five.clients

    # The probe of issue 14: a Metropolitan Police submitter and a Croydon CSC case.
    intake = await c["intake"].get(f"/v1/cases/{case_id}", params=READ, headers=POLICE)
    assert intake.status_code == 404
    decisions = await c["rules"].get("/v1/decisions", params={"case_id": case_id}, headers=POLICE)
    assert decisions.status_code == 404
    assert "age_years" not in decisions.text and "suspected" not in decisions.text
    one = await c["scheduler"].get("/v1/clocks", params={"case_id": case_id}, headers=POLICE)
    assert one.status_code == 404
    # An agency's unscoped list is refused in words (it names what to give instead)...
    listed = await c["scheduler"].get("/v1/clocks", params={"limit": 1000}, headers=POLICE)
    assert listed.status_code == 403 and case_id not in listed.text
    assert "give case_id" in listed.json()["detail"]
    assert "agency=met-police" in listed.json()["detail"]
    # ...and so is asking for another agency's list.
    theirs = await c["scheduler"].get(
        "/v1/clocks", params={"agency": "croydon-csc", "limit": 1000}, headers=POLICE
    )
    assert theirs.status_code == 403 and case_id not in theirs.text
    # Its own list answers, without the other agency's case.
    own = await c["scheduler"].get(
        "/v1/clocks", params={"agency": "met-police", "limit": 1000}, headers=POLICE
    )
    assert own.status_code == 200 and case_id not in own.text
    model = await c["reporting"].get(f"/v1/cases/{case_id}", headers=POLICE)
    assert model.status_code == 403
    sent = await c["notifier"].get("/v1/deliveries", params={"case_id": case_id}, headers=POLICE)
    assert sent.status_code == 403

    # Its own agency and the Business Team read it everywhere.
    mine = await c["scheduler"].get(
        "/v1/clocks", params={"agency": "croydon-csc", "limit": 1000}, headers=CSC
    )
    assert mine.status_code == 200 and case_id in mine.text
    for agency, listed_too in (("croydon-csc", True), ("met-police", False)):
        by_agency = await c["scheduler"].get(
            "/v1/clocks", params={"agency": agency, "limit": 1000}, headers=TEAM
        )
        assert by_agency.status_code == 200 and (case_id in by_agency.text) == listed_too
    for who in (CSC, TEAM):
        got = await c["rules"].get("/v1/decisions", params={"case_id": case_id}, headers=who)
        assert got.status_code == 200 and got.json()
        assert (
            (await c["intake"].get(f"/v1/cases/{case_id}", params=READ, headers=who))
            .json()["reference"]
            .startswith("SIN-")
        )

    # Every one of those reads is in the audit of the service read, refusals included.
    for service in ("intake", "rules", "scheduler"):
        audit = await c[service].get(
            "/v1/audit", params={"case_id": case_id, "action": "read"}, headers=TEAM
        )
        assert audit.status_code == 200
        seen = {(e["agency"], e["granted"]) for e in audit.json()}
        assert ("met-police", False) in seen, (service, seen)
        assert ("croydon-csc", True) in seen, (service, seen)
        refused = await c[service].get(
            "/v1/audit", params={"case_id": case_id, "granted": "false"}, headers=TEAM
        )
        assert refused.json() and not any(e["granted"] for e in refused.json())
        assert "met-police" in {e["agency"] for e in refused.json()}
        by_person = await c[service].get(
            "/v1/audit", params={"person": "met-police-user", "case_id": case_id}, headers=TEAM
        )
        assert by_person.json() and all(e["by"] == "met-police-user" for e in by_person.json())
        today = time.strftime("%Y-%m-%d", time.gmtime())
        dated = await c[service].get(
            "/v1/audit", params={"case_id": case_id, "since": today, "until": today}, headers=TEAM
        )
        assert len(dated.json()) >= len(audit.json())
        # The reference people were given finds the same entries as the case's id.
        reference = minted("SIN", case_id, 2026)
        by_reference = await c[service].get(
            "/v1/audit", params={"reference": reference, "action": "read"}, headers=TEAM
        )
        assert by_reference.status_code == 200, by_reference.text
        assert {e["case_id"] for e in by_reference.json()} == {case_id}
        assert len(by_reference.json()) == len(audit.json())
        wrong = await c[service].get("/v1/audit", params={"reference": "SIN-1"}, headers=TEAM)
        assert wrong.status_code == 422, "a reference not shaped like one is named, not ignored"
        # Only the Business Team reads the audit.
        assert (await c[service].get("/v1/audit", headers=CSC)).status_code == 403


async def test_the_audit_keeps_changes_and_refusals_and_has_no_way_to_change_an_entry(
    five: Five,
) -> None:
    case_id = await _reported(five)
    c = five.clients
    refused = await c["intake"].post(
        f"/v1/cases/{case_id}/sin-submission", json={"submitted_date": "2026-04-03"}, headers=CSC
    )
    assert refused.status_code == 403
    done = await c["intake"].post(
        f"/v1/cases/{case_id}/sin-submission", json={"submitted_date": "2026-04-03"}, headers=TEAM
    )
    assert done.status_code == 200, done.text
    entries = (
        await c["intake"].get(
            "/v1/audit", params={"case_id": case_id, "action": "change"}, headers=TEAM
        )
    ).json()
    assert {(e["route"], e["agency"], e["granted"]) for e in entries} >= {
        ("record_sin_submission", "croydon-csc", False),
        ("record_sin_submission", "cscp", True),
    }
    # Append-only: the audit has one route on each service, a GET, and nothing else.
    for service in SERVICES:
        audit_routes = [r for r in api_routes(APPS[service]()) if r[2].startswith("/v1/audit")]
        assert audit_routes == [("read_audit", "GET", "/v1/audit")], service


async def test_the_agency_asked_for_information_reads_what_it_needs_to_answer(
    five: Five,
) -> None:
    case_id = await _reported(five)
    await _decided_and_clocked(five, case_id)
    c = five.clients
    asked = await c["intake"].post(
        f"/v1/cases/{case_id}/information-requests",
        json={
            "agency": "met-police",
            "kind": "imr",
            "requested_date": "2026-04-06",
            "due_date": "2026-04-20",
        },
        headers=TEAM,
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["record_id"]

    view = await c["intake"].get(f"/v1/cases/{case_id}", params=READ, headers=POLICE)
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["reference"].startswith("SIN-") and body["view"] == "asked_agency"
    assert body["incident"]["kind"] == "death"
    assert body["children"] == [
        {"name": REPORT["children"][0]["name"], "date_of_birth": "2022-02-22"}
    ]
    assert [r["record_id"] for r in body["requests"]] == [request_id]
    assert body["requests"][0]["facts"]["due_date"] == "2026-04-20"
    # Not the address, not the report's words, not the case's history.
    assert "7 Planted Lane" not in view.text and REPORT["summary"] not in view.text
    assert "history" not in body and "personal" not in body

    # The scheduler shows the police the clock of the request made to it, not the case's.
    async def request_clock() -> list[dict[str, Any]]:
        got = await c["scheduler"].get(
            "/v1/clocks", params={"agency": "met-police", "limit": 1000}, headers=POLICE
        )
        return [k for k in got.json() if k["case_id"] == case_id]

    clocks = await until(request_clock, "the request's clock visible to the agency asked")
    assert {k.get("key") for k in clocks} == {request_id}
    decisions = await c["rules"].get("/v1/decisions", params={"case_id": case_id}, headers=POLICE)
    assert decisions.status_code == 404
    # Another agency, not asked, still reads nothing.
    school = bearer("st-marys-school", Role.AGENCY_SUBMITTER)
    other = await c["intake"].get(f"/v1/cases/{case_id}", params=READ, headers=school)
    assert other.status_code == 404


async def test_editing_the_clear_agency_in_the_store_grants_nothing(
    five: Five, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    case_id = await _reported(five)
    intake = five.clients["intake"]
    cases = mongo[five.databases["intake"]]["cases"]
    await cases.update_one({"_id": case_id}, {"$set": {"agency": "met-police"}})
    stolen = await intake.get(f"/v1/cases/{case_id}", params=READ, headers=POLICE)
    assert stolen.status_code == 404
    assert REPORT["children"][0]["name"] not in stolen.text

    # The same for a record: a Case of Concern whose agency is edited.
    coc = await intake.post(
        "/v1/cases-of-concern",
        json={
            "referred_date": "2026-04-02",
            "referrer_name": "A. Practitioner",
            "referrer_role": "DSL",
            "children": [{"name": "Child B"}],
            "meets_sin_criteria": False,
            "meets_spr_criteria": False,
            "agencies_involved": ["croydon-csc"],
            "concern": "Missed appointments not shared.",
        },
        headers=CSC,
    )
    assert coc.status_code == 201, coc.text
    coc_id = coc.json()["coc_id"]
    records = mongo[five.databases["intake"]]["records"]
    await records.update_one({"_id": coc_id}, {"$set": {"agency": "met-police"}})
    taken = await intake.get(f"/v1/cases-of-concern/{coc_id}", params=READ, headers=POLICE)
    assert taken.status_code == 404 and "Child B" not in taken.text


async def test_every_answer_carries_the_security_headers_and_personal_data_no_store(
    five: Five,
) -> None:
    case_id = await _reported(five)
    read = await five.clients["intake"].get(f"/v1/cases/{case_id}", params=READ, headers=CSC)
    assert read.status_code == 200 and REPORT["children"][0]["name"] in read.text
    assert read.headers["cache-control"] == "no-store"
    for service in SERVICES:
        client = five.clients[service]
        for response in (
            await client.get("/healthz"),
            await client.get("/v1/audit"),  # 401
            await client.get("/openapi.json"),
        ):
            headers = response.headers
            assert "default-src 'none'" in headers["content-security-policy"], service
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "no-referrer"
            assert headers["cache-control"] == "no-store"


BODY_ROUTES = {
    "intake": "/v1/incidents",
    "rules": "/v1/assessments",
    "scheduler": "/v1/clocks/x/pause",
    "notifier": "/v1/directory/people/x",
    "reporting": "/v1/reports/no-such-kind/2026-01",  # its one POST takes no body
}


@pytest.mark.parametrize("service", SERVICES)
async def test_a_body_over_the_limit_is_refused_chunked_or_not(five: Five, service: str) -> None:
    client = five.clients[service]
    path = BODY_ROUTES[service]
    method = "PUT" if service == "notifier" else "POST"
    limit = 8 * 1024 * 1024 + 64 * 1024 if service == "intake" else 2 * 1024 * 1024
    chunk = b"x" * 65536
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        while sent < limit + 4 * len(chunk):
            sent += len(chunk)
            yield chunk

    # No Content-Length: sent chunked. Refused once past the limit, before any token check.
    chunked = await client.request(method, path, content=chunks(), headers=TEAM)
    if service == "reporting":  # answered without reading a byte of it
        assert chunked.status_code == 404
    else:
        assert chunked.status_code == 413, (service, chunked.status_code, chunked.text[:200])
        assert "Content Too Large" in chunked.text
    declared = await client.request(
        method, path, content=b"x" * (limit + 1), headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413
    # Just under the limit is read, and answered on its merits (here: no token).
    small = await client.request(method, path, content=b"{}", headers={})
    assert small.status_code == 401


async def test_a_query_parameter_cannot_choose_a_server_object(five: Five) -> None:
    # Once ``?name=`` chose which app.state object a route was handed: 500 before the
    # token was looked at, and ``?name=jwt_secret`` handed over the signing secret.
    c = five.clients
    for service, path in (("reporting", "/v1/summary"), ("rules", "/v1/rulepacks")):
        anonymous = await c[service].get(path, params={"name": "x"})
        assert anonymous.status_code == 401
    summary = await c["reporting"].get("/v1/summary", params={"name": "jwt_secret"}, headers=TEAM)
    assert summary.status_code == 200 and isinstance(summary.json(), dict)
    assert "test-secret" not in summary.text


async def test_a_lone_surrogate_in_a_name_is_a_clear_422(five: Five) -> None:
    # Found by schemathesis: valid JSON, not text; once a 500.
    child = {**REPORT["children"][0], "name": "Child \ud800"}
    report = {**REPORT, "children": [child]}
    # Sent as JSON text (the surrogate escaped, as any JSON encoder writes it).
    response = await five.clients["intake"].post(
        "/v1/incidents",
        content=json.dumps(report).encode(),
        headers={**CSC, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    said = json.dumps(response.json()["detail"])
    assert "children.0.name" in said and "not valid text" in said, said


async def test_a_child_born_in_year_one_is_a_422_naming_the_date_of_birth(five: Five) -> None:
    # Found by schemathesis: the age derived on the incident date broke its bounds (500);
    # intake now refuses the implausible date of birth itself.
    child = {**REPORT["children"][0], "date_of_birth": "0001-09-25"}
    report = {**REPORT, "children": [child]}
    response = await five.clients["intake"].post("/v1/incidents", json=report, headers=CSC)
    assert response.status_code == 422, response.text
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "children", 0, "date_of_birth"], problem

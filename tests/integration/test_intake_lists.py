"""The lists of every action and every information request with its returns, through the
real app and the real store: filters, paging and its bounds, each agency seeing only its
own (403 for another's), the words only with a reason, each such read audited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.intake_support import (
    BUSINESS,
    CHAIR,
    CSC,
    EXEC,
    POLICE,
    REPORT,
    audit,
    intake,
    new_case,
    records,
    settings,
)

pytestmark = pytest.mark.integration
__all__ = ["audit", "intake", "records", "settings"]  # fixtures used by name

REQUESTS = "/v1/information-requests"
ACTIONS = "/v1/actions"


async def _case(client: httpx.AsyncClient) -> tuple[str, str]:
    response = await client.post("/v1/incidents", json=REPORT, headers=CSC)
    assert response.status_code == 201, response.text
    return response.json()["case_id"], response.json()["reference"]


async def _ask(client: httpx.AsyncClient, case_id: str, agency: str, due: str) -> str:
    response = await client.post(
        f"/v1/cases/{case_id}/information-requests",
        json={"agency": agency, "kind": "imr", "requested_date": "2026-04-09", "due_date": due},
        headers=BUSINESS,
    )
    assert response.status_code == 201, response.text
    request_id: str = response.json()["record_id"]
    return request_id


async def _listed(
    client: httpx.AsyncClient, path: str, who: dict[str, str], **params: Any
) -> list[str]:
    response = await client.get(path, params=params, headers=who)
    assert response.status_code == 200, response.text
    key = "request_id" if path == REQUESTS else "action_id"
    return [row[key] for row in response.json()["items"]]


async def test_requests_are_listed_with_their_returns_filtered_paged_and_scoped(
    intake: httpx.AsyncClient, audit: Any
) -> None:
    first, first_ref = await _case(intake)
    second = await new_case(intake)
    overdue = await _ask(intake, first, "met-police", "2026-04-16")
    waiting = await _ask(intake, first, "croydon-csc", "2027-01-15")
    answered = await _ask(intake, second, "met-police", "2026-05-01")
    returned = await intake.post(
        f"/v1/cases/{second}/information-requests/{answered}/returns",
        data={"received_date": "2026-05-04", "notes": "IMR from the Met, late"},
        files=[("documents", ("imr.txt", b"Chronology.", "text/plain"))],
        headers=POLICE,
    )
    assert returned.status_code == 201, returned.text

    page = (await intake.get(REQUESTS, headers=BUSINESS)).json()
    assert page["total"] == 3 and [r["request_id"] for r in page["items"]] == [
        overdue,
        waiting,
        answered,
    ]
    done = page["items"][2]
    assert (done["status"], done["answered_date"], done["late"]) == ("done", "2026-05-04", True)
    assert done["returns"][0]["documents"][0]["href"].startswith("/v1/returns/")
    assert "words" not in done["returns"][0]  # no reason: facts only
    assert page["items"][0]["overdue"] is True and page["items"][0]["reference"] == first_ref

    async def team(**params: Any) -> list[str]:
        return await _listed(intake, REQUESTS, BUSINESS, **params)

    assert await team(status="overdue") == [overdue]
    assert await team(status="open") == [overdue, waiting]
    assert await team(status="done") == [answered]
    assert await team(agency="met-police") == [overdue, answered]
    assert await team(case=first_ref.lower()) == [overdue, waiting]
    assert await team(case=second) == [answered]
    assert await team(due_before="2026-04-30") == [overdue]
    assert await team(due_after="2026-04-20") == [waiting, answered]
    assert await team(limit=1, offset=1) == [waiting]
    assert await team(offset=3) == []
    assert await _listed(intake, REQUESTS, CHAIR) == [overdue, waiting, answered]

    # An agency sees what was asked of it, and nothing else.
    assert await _listed(intake, REQUESTS, POLICE) == [overdue, answered]
    assert await _listed(intake, REQUESTS, CSC) == [waiting]
    assert await _listed(intake, REQUESTS, POLICE, agency="met-police") == [overdue, answered]
    refused = await intake.get(REQUESTS, params={"agency": "croydon-csc"}, headers=POLICE)
    assert refused.status_code == 403, refused.text
    assert await audit.count_documents({"case_id": "information requests:croydon-csc"}) == 1
    assert (await intake.get(REQUESTS, headers=EXEC)).status_code == 403

    # With a reason, the returns' words come too, each return shown audited as read.
    said = await intake.get(REQUESTS, params={"reason": "chase the IMRs"}, headers=POLICE)
    assert said.status_code == 200
    came = said.json()["items"][1]["returns"][0]
    assert came["words"]["notes"] == "IMR from the Met, late"
    assert came["words"]["filenames"] == ["imr.txt"]
    reads = [
        (r["agency"], r["reason"], r["granted"])
        async for r in audit.find({"case_id": came["return_id"], "action": "read"})
    ]
    assert reads == [("met-police", "chase the IMRs", True)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 100_001}, "offset"),
        ({"status": "closed"}, "status"),
        ({"due_before": "2026-02-30"}, "due_before"),
        ({"due_after": "2026-05-02", "due_before": "2026-05-01"}, "due_before"),
        ({"agency": "Not An Agency"}, "agency"),
        ({"reason": "x"}, "reason"),
    ],
)
async def test_a_list_asked_out_of_bounds_gets_a_422_naming_the_parameter(
    intake: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    for path in (REQUESTS, ACTIONS):
        response = await intake.get(path, params=params, headers=BUSINESS)
        assert response.status_code == 422, (path, response.text)
        assert [e["loc"] for e in response.json()["detail"]] == [["query", field]]


async def test_actions_are_listed_as_they_stand_filtered_paged_and_scoped(
    intake: httpx.AsyncClient, audit: Any
) -> None:
    case_id, reference = await _case(intake)

    async def act(owner: str, due: str, description: str) -> dict[str, Any]:
        response = await intake.post(
            ACTIONS,
            json={
                "source_id": case_id,
                "owner_agency": owner,
                "owner_role": "Designated safeguarding lead",
                "due_date": due,
                "description": description,
            },
            headers=BUSINESS,
        )
        assert response.status_code == 201, response.text
        facts: dict[str, Any] = response.json()
        return facts

    late = await act("met-police", "2026-04-20", "Send the custody records")
    moved = await act("croydon-csc", "2026-05-01", "Share the strategy minutes")
    closed = await act("met-police", "2027-01-20", "Brief the neighbourhood team")
    for action_id, update, who in (
        (moved["action_id"], {"status": "open", "due_date": "2027-02-01"}, CSC),
        (closed["action_id"], {"status": "done", "note": "Briefed on 1 December"}, POLICE),
    ):
        updated = await intake.post(
            f"{ACTIONS}/{action_id}/updates",
            json={"updated_date": "2026-12-01", **update},
            headers=who,
        )
        assert updated.status_code == 201, updated.text
    ids = [late["action_id"], moved["action_id"], closed["action_id"]]

    page = (await intake.get(ACTIONS, headers=BUSINESS)).json()
    assert page["total"] == 3 and [r["action_id"] for r in page["items"]] == ids
    rows = {r["action_id"]: r for r in page["items"]}
    assert rows[ids[0]]["overdue"] is True and rows[ids[0]]["source_reference"] == reference
    assert rows[ids[1]]["due_date"] == "2027-02-01" and rows[ids[1]]["overdue"] is False
    assert rows[ids[2]]["status"] == "done"
    assert all("words" not in r for r in page["items"])

    async def team(**params: Any) -> list[str]:
        return await _listed(intake, ACTIONS, BUSINESS, **params)

    assert await team(status="done") == [ids[2]]
    assert await team(status="overdue") == [ids[0]]
    assert await team(status="open") == ids[:2]
    assert await team(agency="met-police") == [ids[0], ids[2]]
    assert await team(case=reference) == ids
    assert await team(case=late["reference"]) == [ids[0]]
    assert await team(case=late["action_id"]) == [ids[0]]
    # the due date as it stands now (moved by the update), not as first recorded
    assert await team(due_before="2026-06-01") == [ids[0]]
    assert await team(due_after="2027-01-25") == [ids[1]]
    assert await team(limit=2) == ids[:2]
    assert await team(limit=2, offset=2) == [ids[2]]

    assert await _listed(intake, ACTIONS, POLICE) == [ids[0], ids[2]]
    assert await _listed(intake, ACTIONS, CSC, status="open") == [ids[1]]
    refused = await intake.get(ACTIONS, params={"agency": "met-police"}, headers=CSC)
    assert refused.status_code == 403
    assert (
        await audit.count_documents(
            {"case_id": "actions:met-police", "granted": False, "agency": "croydon-csc"}
        )
        == 1
    )
    assert (await intake.get(ACTIONS, headers=EXEC)).status_code == 403

    said = await intake.get(
        ACTIONS, params={"reason": "what is asked of us", "status": "done"}, headers=POLICE
    )
    assert said.status_code == 200
    (row,) = said.json()["items"]
    assert row["words"] == {
        "description": "Brief the neighbourhood team",
        "note": "Briefed on 1 December",
    }
    reads = [
        (r["case_id"], r["reason"], r["granted"])
        async for r in audit.find({"action": "read", "reason": "what is asked of us"})
    ]
    assert reads == [(ids[2], "what is asked of us", True)]


CASES = "/v1/cases"


async def test_every_case_is_listed_newest_first_filtered_paged_and_scoped(
    intake: httpx.AsyncClient, audit: Any
) -> None:
    first, first_ref = await _case(intake)
    second = await new_case(intake)
    police = await new_case(intake, POLICE)

    page = (await intake.get(CASES, headers=BUSINESS)).json()
    assert page["total"] == 3 and [r["case_id"] for r in page["items"]] == [police, second, first]
    row = page["items"][2]
    assert row["reference"] == first_ref and row["reporting_agency"] == "croydon-csc"
    assert (row["incident_kind"], row["aware_date"]) == ("death", REPORT["aware_date"])
    assert row["incident_date"] == REPORT["event"]["date"] and row["reported_at"]
    # Facts only: no child's name, date of birth or address, nothing sealed.
    said = str(page)
    for child in REPORT["children"]:
        for word in (child["name"], child["date_of_birth"], child.get("address", "")):
            assert not word or word not in said

    async def listed(who: dict[str, str] = BUSINESS, **params: Any) -> list[str]:
        response = await intake.get(CASES, params=params, headers=who)
        assert response.status_code == 200, response.text
        return [r["case_id"] for r in response.json()["items"]]

    assert await listed(case=first_ref.lower()) == [first]
    assert await listed(case=second) == [second]
    assert await listed(case="SIN-1999-0001") == []
    assert await listed(agency="met-police") == [police]
    today = page["items"][0]["reported_at"][:10]
    assert await listed(reported_after=today, reported_before=today) == [police, second, first]
    assert await listed(reported_before="2026-01-01") == []
    assert await listed(reported_after="2099-01-01") == []
    assert await listed(limit=2) == [police, second]
    assert await listed(limit=2, offset=2) == [first]
    assert await listed(offset=3) == []
    assert await listed(CHAIR) == [police, second, first]

    # An agency lists the cases it reported, and no other agency's.
    assert await listed(CSC) == [second, first]
    assert await listed(POLICE, agency="met-police") == [police]
    refused = await intake.get(CASES, params={"agency": "croydon-csc"}, headers=POLICE)
    assert refused.status_code == 403, refused.text
    assert (
        await audit.count_documents(
            {"case_id": "cases:croydon-csc", "granted": False, "agency": "met-police"}
        )
        == 1
    )
    assert (await intake.get(CASES, headers=EXEC)).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 100_001}, "offset"),
        ({"reported_after": "2026-02-30"}, "reported_after"),
        ({"reported_after": "2026-05-02", "reported_before": "2026-05-01"}, "reported_before"),
        ({"agency": "Not An Agency"}, "agency"),
        ({"case": "x" * 81}, "case"),
    ],
)
async def test_the_list_of_cases_asked_out_of_bounds_gets_a_422_naming_the_parameter(
    intake: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await intake.get(CASES, params=params, headers=BUSINESS)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["query", field]]

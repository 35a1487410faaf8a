"""Corrections, Cases of Concern, escalations and tags, through the real app, store and broker."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest

from tests.integration.intake_support import (
    BUSINESS,
    CSC,
    PLANTED,
    POLICE,
    audit,
    events_about,
    intake,
    new_case,
    records,
    settings,
)
from tests.servers import Servers

pytestmark = pytest.mark.integration
__all__ = ["audit", "intake", "records", "settings"]  # fixtures used by name

COC: dict[str, Any] = {
    "referred_date": "2026-05-04",
    "referrer_name": "Anna Referrer",
    "referrer_role": "Designated Safeguarding Lead",
    "children": [{"name": PLANTED, "date_of_birth": "2015-06-01"}],
    "meets_sin_criteria": False,
    "meets_spr_criteria": False,
    "agencies_involved": ["croydon-csc", "met-police"],
    "concern": f"{PLANTED} missed health appointments nobody shared.",
}


async def test_a_correction_is_a_new_fact_beside_the_old_and_publishes_the_facts_as_they_stand(
    intake: httpx.AsyncClient, servers: Servers, records: Any
) -> None:
    case_id = await new_case(intake)
    first = await intake.post(
        f"/v1/cases/{case_id}/corrections",
        json={"aware_date": "2026-04-03", "reason": f"duty log for {PLANTED}"},
        headers={**CSC, "Idempotency-Key": "c-1"},
    )
    assert first.status_code == 201, first.text
    assert first.json()["corrected_fields"] == ["aware_date"]
    again = await intake.post(
        f"/v1/cases/{case_id}/corrections",
        json={"aware_date": "2026-04-03", "reason": f"duty log for {PLANTED}"},
        headers={**CSC, "Idempotency-Key": "c-1"},
    )
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    # A corrected date of birth changes the derived age, and only the age goes out.
    born = {**json.loads(json.dumps(REPORT_CHILD)), "date_of_birth": "2021-02-22"}
    second = await intake.post(
        f"/v1/cases/{case_id}/corrections",
        json={"children": [born], "reason": "birth certificate"},
        headers=BUSINESS,
    )
    assert second.status_code == 201, second.text
    assert second.json()["corrected_fields"] == ["children"]

    reported, corrected1, corrected2 = await events_about(servers, case_id, 3)
    assert reported.type == "sprg.incident.reported.v1"
    assert corrected1.type == corrected2.type == "sprg.incident.corrected.v1"
    assert corrected1.data["previous_aware_date"] == "2026-04-02"
    assert corrected1.data["aware_date"] == "2026-04-03"
    assert corrected2.data["previous_aware_date"] == "2026-04-03"
    assert corrected2.data["children"][0]["age_years"] == 5
    for event in (corrected1, corrected2):
        assert (
            PLANTED not in event.model_dump_json() and "2021-02-22" not in event.model_dump_json()
        )

    view = await intake.get(f"/v1/cases/{case_id}", params={"reason": "review"}, headers=CSC)
    body = view.json()
    assert body["facts"]["aware_date"] == "2026-04-02", "the first report is never overwritten"
    assert body["standing"]["aware_date"] == "2026-04-03"
    assert body["standing"]["children"][0]["age_years"] == 5
    assert [h["words"]["reason"] for h in body["history"]] == [
        f"duty log for {PLANTED}",
        "birth certificate",
    ]
    stored = [r async for r in records.find({"subject_id": case_id})]
    assert len(stored) == 2 and PLANTED not in json.dumps(stored, default=str)


REPORT_CHILD = {
    "name": PLANTED,
    "date_of_birth": "2022-02-22",
    "address": "7 Planted Lane",
    "looked_after": False,
    "care_leaver": False,
    "normally_resident_in_area": True,
}


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"aware_date": "2026-04-02", "reason": "same"}, 422, "changes nothing"),
        ({"aware_date": "2026-03-01", "reason": "x"}, 422, "aware_date is before event.date"),
        ({"reason": "nothing named"}, 422, "at least one"),
        ({"aware_date": "2026-04-05"}, 422, "reason"),
    ],
)
async def test_a_correction_that_changes_nothing_or_contradicts_is_refused_and_not_kept(
    intake: httpx.AsyncClient, records: Any, body: dict[str, Any], status: int, words: str
) -> None:
    case_id = await new_case(intake)
    response = await intake.post(f"/v1/cases/{case_id}/corrections", json=body, headers=CSC)
    assert response.status_code == status and words in response.text
    assert await records.count_documents({"subject_id": case_id}) == 0


async def test_another_agency_cannot_correct_or_see_a_case(intake: httpx.AsyncClient) -> None:
    case_id = await new_case(intake)
    response = await intake.post(
        f"/v1/cases/{case_id}/corrections",
        json={"aware_date": "2026-04-03", "reason": "x"},
        headers=POLICE,
    )
    assert response.status_code == 404


async def test_a_case_of_concern_is_referred_triaged_and_read_only_by_whom_it_concerns(
    intake: httpx.AsyncClient,
    servers: Servers,
    records: Any,
    audit: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    referred = await intake.post("/v1/cases-of-concern", json=COC, headers=CSC)
    assert referred.status_code == 201, referred.text
    coc_id = referred.json()["coc_id"]
    assert referred.json()["reference"].startswith("COC-")

    wrong_role = await intake.post(
        f"/v1/cases-of-concern/{coc_id}/triage",
        json={"triage": "pending", "triaged_date": "2026-05-05"},
        headers=CSC,
    )
    assert wrong_role.status_code == 403
    missing = await intake.post(
        f"/v1/cases-of-concern/{coc_id}/triage",
        json={"triage": "list_for_meeting", "triaged_date": "2026-05-05"},
        headers=BUSINESS,
    )
    assert missing.status_code == 422 and "meeting is required" in missing.text
    triaged = await intake.post(
        f"/v1/cases-of-concern/{coc_id}/triage",
        json={
            "triage": "list_for_meeting",
            "meeting": "sprg",
            "triaged_date": "2026-05-06",
            "advice": "spoke to the Independent Scrutineer",
        },
        headers=BUSINESS,
    )
    assert triaged.status_code == 201, triaged.text

    referral, triage = await events_about(servers, coc_id, 2)
    assert referral.type == "sprg.coc.referred.v1" and triage.type == "sprg.coc.triaged.v1"
    assert referral.data["referring_agency"] == "croydon-csc"
    assert referral.data["agencies_involved"] == ["croydon-csc", "met-police"]
    assert triage.data["meeting"] == "sprg"
    for event in (referral, triage):
        assert PLANTED not in event.model_dump_json() and "Anna" not in event.model_dump_json()

    own = await intake.get(f"/v1/cases-of-concern/{coc_id}", params={"reason": "mine"}, headers=CSC)
    assert own.status_code == 200
    assert own.json()["history"][0]["words"]["children"][0]["name"] == PLANTED
    assert own.json()["history"][1]["words"]["advice"] == "spoke to the Independent Scrutineer"
    other = await intake.get(
        f"/v1/cases-of-concern/{coc_id}", params={"reason": "nosy"}, headers=POLICE
    )
    assert other.status_code == 404
    team = await intake.get(
        f"/v1/cases-of-concern/{coc_id}", params={"reason": "triage"}, headers=BUSINESS
    )
    assert team.status_code == 200
    reads = [
        (r["agency"], r["granted"]) async for r in audit.find({"case_id": coc_id, "action": "read"})
    ]
    assert reads == [("croydon-csc", True), ("met-police", False), ("cscp", True)]

    stored = [r async for r in records.find({"subject_id": coc_id})]
    assert len(stored) == 2 and PLANTED not in json.dumps(stored, default=str)
    assert PLANTED not in caplog.text
    metrics = (await intake.get("/metrics")).text
    assert PLANTED not in metrics and coc_id not in metrics


async def test_an_escalation_keeps_its_stage_history_and_a_stage_is_won_once(
    intake: httpx.AsyncClient, servers: Servers
) -> None:
    raised = await intake.post(
        "/v1/escalations",
        json={
            "with_agency": "croydon-health",
            "stage": 3,
            "stage_started_date": "2026-05-01",
            "summary": "threshold disagreement",
        },
        headers=POLICE,
    )
    assert raised.status_code == 201, raised.text
    escalation_id = raised.json()["escalation_id"]
    update = {"stage": 4, "stage_started_date": "2026-05-08"}
    results = await asyncio.gather(
        *(
            intake.post(f"/v1/escalations/{escalation_id}/updates", json=update, headers=POLICE)
            for _ in range(2)
        )
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses[0] == 201 and statuses[1] in (409, 422), [r.text for r in results]
    back = await intake.post(
        f"/v1/escalations/{escalation_id}/updates",
        json={"stage": 3, "stage_started_date": "2026-05-09"},
        headers=POLICE,
    )
    assert back.status_code == 422 and "not after stage 4" in back.text
    resolved = await intake.post(
        f"/v1/escalations/{escalation_id}/updates",
        json={"resolved_date": "2026-05-12", "copy_to_cscp_date": "2026-05-12"},
        headers=BUSINESS,
    )
    assert resolved.status_code == 201, resolved.text
    events = await events_about(servers, escalation_id, 3)
    assert [e.data["stage"] for e in events] == [3, 4, 4]
    assert events[-1].data["history"] == [
        {"stage": 3, "started_date": "2026-05-01"},
        {"stage": 4, "started_date": "2026-05-08"},
    ]
    assert events[-1].data["resolved_date"] == "2026-05-12"
    assert "threshold" not in json.dumps([e.data for e in events])
    elsewhere = await intake.get(
        f"/v1/escalations/{escalation_id}", params={"reason": "look"}, headers=CSC
    )
    assert elsewhere.status_code == 404


async def test_the_escalations_list_puts_open_stage_3_and_above_first_facts_only(
    intake: httpx.AsyncClient,
) -> None:
    async def raise_one(stage: int, started: str) -> str:
        raised = await intake.post(
            "/v1/escalations",
            json={
                "with_agency": "croydon-csc",
                "stage": stage,
                "stage_started_date": started,
                "summary": f"{PLANTED} disagreement at stage {stage}",
            },
            headers=POLICE,
        )
        assert raised.status_code == 201, raised.text
        return str(raised.json()["escalation_id"])

    informal = await raise_one(2, "2026-04-01")
    formal = await raise_one(3, "2026-04-20")
    settled = await raise_one(4, "2026-04-02")
    higher = await raise_one(3, "2026-04-10")
    climbed = await intake.post(
        f"/v1/escalations/{higher}/updates",
        json={"stage": 5, "stage_started_date": "2026-04-22"},
        headers=BUSINESS,
    )
    resolved = await intake.post(
        f"/v1/escalations/{settled}/updates",
        json={"resolved_date": "2026-04-25"},
        headers=BUSINESS,
    )
    assert climbed.status_code == resolved.status_code == 201

    listed = await intake.get("/v1/escalations", headers=BUSINESS)
    assert listed.status_code == 200, listed.text
    mine = {informal, formal, settled, higher}
    rows = [r for r in listed.json() if r["escalation_id"] in mine]
    # open Stage 3+ first (the highest stage at the top), then the informal, then resolved
    assert [r["escalation_id"] for r in rows] == [higher, formal, informal, settled]
    assert rows[0]["stage"] == 5 and rows[0]["stage_started_date"] == "2026-04-22"
    assert [r["formal"] for r in rows] == [True, True, False, True]
    assert rows[-1]["resolved_date"] == "2026-04-25"
    assert all(r["reference"].startswith("ESC-") for r in rows)
    assert {r["raised_by_agency"] for r in rows} == {"met-police"}
    assert PLANTED not in listed.text and "disagreement" not in listed.text

    assert (await intake.get("/v1/escalations", headers=POLICE)).status_code == 403
    assert (await intake.get("/v1/escalations")).status_code == 401


async def test_the_business_team_tags_a_review_with_themes(
    intake: httpx.AsyncClient, servers: Servers
) -> None:
    case_id = await new_case(intake)
    tagged = await intake.post(
        "/v1/tags",
        json={
            "subject_id": case_id,
            "review_type": "rapid_review",
            "tags": ["neglect", "information_sharing", "neglect"],
        },
        headers=BUSINESS,
    )
    assert tagged.status_code == 201, tagged.text
    event = (await events_about(servers, case_id, 2))[1]
    assert event.type == "sprg.case.tagged.v1"
    assert event.data["tags"] == ["information_sharing", "neglect"]
    refused = await intake.post(
        "/v1/tags",
        json={"subject_id": case_id, "review_type": "rapid_review", "tags": ["Has Spaces"]},
        headers=BUSINESS,
    )
    assert refused.status_code == 422 and "tags" in refused.text


async def test_two_corrections_racing_for_the_same_place_in_the_history_do_not_both_win(
    intake: httpx.AsyncClient, records: Any
) -> None:
    case_id = await new_case(intake)
    results = await asyncio.gather(
        *(
            intake.post(
                f"/v1/cases/{case_id}/corrections",
                json={"aware_date": day, "reason": "race"},
                headers=BUSINESS,
            )
            for day in ("2026-04-03", "2026-04-04", "2026-04-05")
        )
    )
    statuses = [r.status_code for r in results]
    assert set(statuses) <= {201, 409} and 201 in statuses, [r.text for r in results]
    kept = [r async for r in records.find({"subject_id": case_id})]
    assert len(kept) == statuses.count(201)
    assert sorted(r["seq"] for r in kept) == list(range(1, len(kept) + 1))


async def test_bad_input_names_every_field_at_fault_at_once(intake: httpx.AsyncClient) -> None:
    bad = {
        **COC,
        "referred_date": "2026-13-01",
        "children": [],
        "agencies_involved": ["Not A Code"],
    }
    del bad["concern"]
    response = await intake.post("/v1/cases-of-concern", json=bad, headers=CSC)
    assert response.status_code == 422
    at_fault = {tuple(str(p) for p in e["loc"][1:]) for e in response.json()["detail"]}
    assert at_fault == {
        ("referred_date",),
        ("children",),
        ("agencies_involved", "0"),
        ("concern",),
    }

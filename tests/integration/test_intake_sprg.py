"""SPRG meetings, actions, learning and membership through the real app, store and broker."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration.intake_support import (
    BUSINESS,
    CHAIR,
    CSC,
    EXEC,
    MEMBER,
    POLICE,
    events_about,
    intake,
    meeting_day,
    records,
    settings,
)
from tests.servers import Servers

pytestmark = pytest.mark.integration
__all__ = ["intake", "records", "settings"]  # fixtures used by name

MINUTES = "Minutes: DI Harriet Quell reported on the Example family."


async def test_a_meeting_is_scheduled_attended_minuted_and_its_words_stay_in_intake(
    intake: httpx.AsyncClient, servers: Servers, records: Any, run_id: str
) -> None:
    on = meeting_day(run_id).isoformat()  # a meeting is known by its date
    scheduled = await intake.post(
        "/v1/meetings",
        json={
            "meeting_date": on,
            "chair_partner": "police",
            "papers_due_date": "2026-06-03",
        },
        headers=BUSINESS,
    )
    assert scheduled.status_code == 201, scheduled.text
    meeting_id = scheduled.json()["meeting_id"]
    attendance = await intake.post(
        f"/v1/meetings/{meeting_id}/attendance",
        json={
            "as_of": "2026-06-05",
            "members": [
                {"role": "HOS Early Help & CSC", "partner": "csc", "attendance": "expected"},
                {
                    "role": "Designated Nurse Safeguarding Children",
                    "partner": "icb",
                    "attendance": "apologies",
                    "apologies_received_date": "2026-06-04",
                },
                {
                    "role": "Detective Inspector",
                    "partner": "police",
                    "attendance": "proxy",
                    "name": "DI Harriet Quell",
                    "proxy_name": "DS Proxy Person",
                    "proxy_similar_seniority": True,
                },
            ],
        },
        headers=CHAIR,
    )
    assert attendance.status_code == 201, attendance.text
    minutes = await intake.post(
        f"/v1/meetings/{meeting_id}/minutes",
        json={"text": MINUTES, "approved_date": "2026-08-12"},
        headers=BUSINESS,
    )
    assert minutes.status_code == 201, minutes.text
    refused = await intake.post(
        f"/v1/meetings/{meeting_id}/minutes", json={"text": "x"}, headers=MEMBER
    )
    assert refused.status_code == 403

    scheduled_event, attended = await events_about(servers, meeting_id, 2)
    assert scheduled_event.type == "sprg.meeting.scheduled.v1"
    assert scheduled_event.data["chair_partner"] == "police"
    assert attended.type == "sprg.meeting.attendance_recorded.v1"
    assert [m["attendance"] for m in attended.data["members"]] == [
        "expected",
        "apologies",
        "proxy",
    ]
    assert attended.data["meeting_date"] == on
    text = json.dumps([scheduled_event.data, attended.data])
    assert "Harriet" not in text and "Proxy Person" not in text
    stored = [r async for r in records.find({"subject_id": meeting_id})]
    assert "Harriet" not in json.dumps(stored, default=str)

    read = await intake.get(
        f"/v1/meetings/{meeting_id}", params={"reason": "papers"}, headers=MEMBER
    )
    assert read.status_code == 200
    words = [h["words"] for h in read.json()["history"]]
    assert {"text": MINUTES} in words
    assert (
        await intake.get(f"/v1/meetings/{meeting_id}", params={"reason": "x"}, headers=CSC)
    ).status_code == 403


async def test_actions_are_owned_followed_up_and_learning_shared(
    intake: httpx.AsyncClient, servers: Servers
) -> None:
    meeting = await intake.post(
        "/v1/meetings",
        json={"meeting_date": "2026-06-10", "chair_partner": "police"},
        headers=BUSINESS,
    )
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["meeting_id"]
    nowhere = {
        "source_id": "meeting-that-never-was",
        "owner_agency": "met-police",
        "owner_role": "Detective Inspector",
        "due_date": "2026-07-31",
        "description": "Brief the MASH team.",
    }
    refused = await intake.post("/v1/actions", json=nowhere, headers=CHAIR)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "source_id"]
    action = await intake.post(
        "/v1/actions",
        json={
            "source_id": meeting_id,
            "owner_agency": "met-police",
            "owner_role": "Detective Inspector",
            "due_date": "2026-07-31",
            "description": "Brief the MASH team.",
        },
        headers=CHAIR,
    )
    assert action.status_code == 201, action.text
    action_id = action.json()["action_id"]
    not_owner = await intake.post(
        f"/v1/actions/{action_id}/updates",
        json={"status": "done", "updated_date": "2026-07-20"},
        headers=CSC,
    )
    assert not_owner.status_code == 404
    done = await intake.post(
        f"/v1/actions/{action_id}/updates",
        json={"status": "done", "updated_date": "2026-07-20", "note": "Briefed."},
        headers=POLICE,
    )
    assert done.status_code == 201, done.text
    opened, updated = await events_about(servers, action_id, 2)
    assert (opened.data["status"], updated.data["status"]) == ("open", "done")
    assert updated.data["owner_agency"] == "met-police" and updated.data["due_date"] == "2026-07-31"
    assert "MASH" not in json.dumps([opened.data, updated.data])

    learning = await intake.post(
        "/v1/learning",
        json={
            "source_id": meeting_id,
            "shared_date": "2026-09-01",
            "audiences": ["gp_practices"],
            "impact_reported": True,
            "impact": "Audit shows better referrals.",
        },
        headers=MEMBER,
    )
    assert learning.status_code == 201, learning.text
    (shared,) = await events_about(servers, learning.json()["learning_id"], 1)
    assert shared.type == "sprg.learning.shared.v1" and shared.data["impact_reported"] is True
    assert "Audit" not in shared.model_dump_json()


async def test_membership_is_the_seeds_table_and_names_are_shown_only_to_the_sprg(
    intake: httpx.AsyncClient,
) -> None:
    held = await intake.post(
        "/v1/membership/members",
        json={
            "seat": "met_police_detective_inspector",
            "name": "DI Harriet Quell",
            "agency": "met-police",
            "proxies": ["DS Proxy Person"],
            "from_date": "2026-01-01",
        },
        headers=BUSINESS,
    )
    assert held.status_code == 201, held.text
    unknown = await intake.post(
        "/v1/membership/members",
        json={"seat": "astronaut", "name": "X", "agency": "nasa", "from_date": "2026-01-01"},
        headers=BUSINESS,
    )
    assert unknown.status_code == 422
    table = (await intake.get("/v1/membership", headers=MEMBER)).json()
    assert len(table) == 17 and table[0]["seat"] == "chair"
    di = next(s for s in table if s["seat"] == "met_police_detective_inspector")
    assert di["name"] == "DI Harriet Quell" and di["proxies"] == ["DS Proxy Person"]
    assert di["quorum_partner"] == "police"
    executive = (await intake.get("/v1/membership", headers=EXEC)).json()
    di_exec = next(s for s in executive if s["seat"] == "met_police_detective_inspector")
    assert di_exec["held"] is True and "name" not in di_exec

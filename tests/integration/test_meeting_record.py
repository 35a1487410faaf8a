"""Meetings run from one record (issue 13 point 8): one identity with the scheduler's
schedule, an agenda built for each meeting, attendance against the membership, and who
holds each seat. Intake's app on the real store and broker."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from sprg_scheduler.domain.duties import DutySchedule, occurrences
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.references import long_date
from tests.integration.intake_support import (
    BUSINESS,
    CHAIR,
    CSC,
    MEMBER,
    POLICE,
    events_about,
    intake,
    new_case,
    settings,
)
from tests.servers import Servers

pytestmark = pytest.mark.integration
__all__ = ["intake", "settings"]  # fixtures used by name


def held_meeting_day(run_id: str) -> date:
    """A meeting already held, of this test's own (a meeting's id is its date): its
    attendance and minutes are facts, which intake refuses when dated in the future, and the
    requests and decisions on its agenda follow the test case's incident of 1 April 2026."""
    return date(2026, 5, 11) + timedelta(days=int(run_id[:6], 16) % 180)


async def posted(intake: httpx.AsyncClient, path: str, body: dict[str, Any], **kw: Any) -> Any:
    response = await intake.post(path, json=body, headers=kw.pop("headers", BUSINESS), **kw)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_meeting_is_the_schedules_meeting_and_has_its_own_agenda(
    intake: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    on = held_meeting_day(run_id)

    def day(offset: int) -> str:
        return (on + timedelta(offset)).isoformat()

    # One identity: intake names the meeting as the scheduler's schedule does.
    schedule = DutySchedule.parse(
        f"meetings: [{{date: {day(0)}, chair: police}}]\n"
        "executive_update: {first: 2026-03-31, every_months: 3}\n"
        "tor_review: {first: 2027-01-31, every_months: 24}\n"
    )
    [scheduled_duty] = [
        o
        for o in occurrences(schedule, on - timedelta(90), WorkingDayCalendar())
        if o.duty == "sprg_meeting"
    ]
    previous = await posted(intake, "/v1/meetings", {"meeting_date": day(-63),
                                                    "chair_partner": "csc"})  # fmt: skip
    await posted(
        intake,
        f"/v1/meetings/{previous['meeting_id']}/minutes",
        {"text": "Minutes of April: agreed the approach for the Example CoC.",
         "approved_date": day(-51)},
    )  # fmt: skip
    meeting = await posted(
        intake,
        "/v1/meetings",
        {"meeting_date": day(0), "chair_partner": "police", "papers_due_date": day(-7)},
    )
    meeting_id = meeting["meeting_id"]
    assert meeting_id == scheduled_duty.duty_id == f"sprg-meeting-{day(0)}"
    assert meeting["reference"] == f"SPRG meeting of {long_date(on)}"
    again = await intake.post(
        "/v1/meetings",
        json={"meeting_date": day(0), "chair_partner": "csc"},
        headers={**BUSINESS, "Idempotency-Key": "another-key"},
    )
    assert again.status_code == 409 and day(0) in again.text
    [event] = await events_about(servers, meeting_id, 1)
    assert event.type == "sprg.meeting.scheduled.v1" and event.data["meeting_id"] == meeting_id

    # What the agenda is built from.
    listed = await posted(
        intake,
        "/v1/cases-of-concern",
        {"referred_date": day(-40), "referrer_name": "A. Practitioner", "referrer_role": "DSL",
         "children": [{"name": "Child B"}], "meets_sin_criteria": False,
         "meets_spr_criteria": False, "agencies_involved": ["croydon-csc", "met-police"],
         "concern": "Missed appointments not shared."},
        headers=CSC,
    )  # fmt: skip
    await posted(
        intake,
        f"/v1/cases-of-concern/{listed['coc_id']}/triage",
        {"triage": "list_for_meeting", "meeting": "sprg", "triaged_date": day(-36)},
    )
    old = await posted(
        intake,
        "/v1/cases-of-concern",
        {"referred_date": day(-101), "referrer_name": "B", "referrer_role": "DSL",
         "children": [{"name": "Child C"}], "meets_sin_criteria": False,
         "meets_spr_criteria": False, "concern": "Discussed in April."},
        headers=CSC,
    )  # fmt: skip
    await posted(
        intake,
        f"/v1/cases-of-concern/{old['coc_id']}/triage",
        {"triage": "list_for_meeting", "meeting": "sprg", "triaged_date": day(-92)},
    )
    rapid = await new_case(intake)
    await posted(
        intake,
        f"/v1/cases/{rapid}/information-requests",
        {"agency": "met-police", "kind": "imr", "requested_date": day(-31),
         "due_date": day(-21)},
    )  # fmt: skip
    review = await new_case(intake)
    await posted(
        intake,
        f"/v1/cases/{review}/lcspr/decision",
        {"decision": "commission", "decided_date": day(-39), "methodology": "systems_review",
         "rationale": "Learning across agencies."},
    )  # fmt: skip
    stage3 = await posted(
        intake,
        "/v1/escalations",
        {"with_agency": "croydon-icb", "stage": 3, "stage_started_date": day(-21),
         "summary": "threshold"},
        headers=POLICE,
    )  # fmt: skip
    await posted(
        intake,
        "/v1/escalations",
        {"with_agency": "croydon-icb", "stage": 2, "stage_started_date": day(-21),
         "summary": "informal still"},
        headers=POLICE,
    )  # fmt: skip
    due = await posted(
        intake,
        "/v1/actions",
        {"source_id": previous["meeting_id"], "owner_agency": "croydon-icb",
         "owner_role": "Designated Nurse", "due_date": day(-9), "description": "Brief GPs."},
    )  # fmt: skip
    await posted(
        intake,
        "/v1/actions",
        {"source_id": previous["meeting_id"], "owner_agency": "met-police",
         "owner_role": "DI", "due_date": day(83), "description": "Later."},
    )  # fmt: skip

    response = await intake.get(
        f"/v1/meetings/{meeting_id}/agenda", params={"reason": "papers"}, headers=MEMBER
    )
    assert response.status_code == 200, response.text
    agenda = response.json()
    assert agenda["reference"] == f"SPRG meeting of {long_date(on)}"
    assert agenda["standing_items"] == [
        "Summary of reviews",
        "Partnership updates",
        "Confirmation of previous minutes and actions",
        "The SPRG meeting schedule (circulated with papers)",
    ]
    assert [c["coc_id"] for c in agenda["cases_of_concern"]] == [listed["coc_id"]]
    assert [(r["case_id"], r["stage"]) for r in agenda["rapid_reviews"]] == [
        (rapid, "gathering information")
    ]
    assert [r["case_id"] for r in agenda["lcsprs"]] == [review]
    assert [e["escalation_id"] for e in agenda["escalations"]] == [stage3["escalation_id"]]
    [action] = agenda["actions_due"]
    assert action["action_id"] == due["action_id"]
    assert action["source_reference"] == f"SPRG meeting of {long_date(on - timedelta(63))}"
    minutes = agenda["previous_minutes"]
    assert minutes["meeting_id"] == previous["meeting_id"] and "Minutes of April" in minutes["text"]
    # An agency outside the SPRG does not read it.
    refused = await intake.get(
        f"/v1/meetings/{meeting_id}/agenda", params={"reason": "x"}, headers=CSC
    )
    assert refused.status_code == 403


async def test_attendance_is_recorded_against_the_membership(
    intake: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    on = held_meeting_day(run_id)

    def day(offset: int) -> str:
        return (on + timedelta(offset)).isoformat()

    await posted(
        intake,
        "/v1/membership/members",
        {"seat": "met_police_detective_inspector", "name": "DI Harriet Quell",
         "agency": "met-police", "person_id": "met-police-di", "proxies": ["DS Proxy Person"],
         "from_date": "2026-01-01"},
    )  # fmt: skip
    table = (await intake.get("/v1/membership", headers=MEMBER)).json()
    di = next(s for s in table if s["seat"] == "met_police_detective_inspector")
    assert di["held"] and di["person_id"] == "met-police-di"
    assert not next(s for s in table if s["seat"] == "icb_designated_nurse")["held"]

    meeting = await posted(intake, "/v1/meetings", {"meeting_date": day(0),
                                                   "chair_partner": "police"})  # fmt: skip
    meeting_id = meeting["meeting_id"]
    unknown = await intake.post(
        f"/v1/meetings/{meeting_id}/attendance",
        json={"as_of": day(0), "members": [{"seat": "astronaut", "attendance": "in_person"}]},
        headers=CHAIR,
    )
    assert unknown.status_code == 422 and "members.0.seat" in unknown.text
    await posted(
        intake,
        f"/v1/meetings/{meeting_id}/attendance",
        {
            "as_of": day(0),
            "members": [
                {"seat": "cype_hos_early_help_csc", "attendance": "in_person"},
                {"seat": "icb_designated_doctor", "attendance": "in_person"},
                {"seat": "met_police_detective_inspector", "attendance": "proxy",
                 "proxy_name": "DS Proxy Person", "proxy_similar_seniority": True},
            ],
        },
        headers=CHAIR,
    )  # fmt: skip
    [attended] = [
        e
        for e in await events_about(servers, meeting_id, 2)
        if e.type == "sprg.meeting.attendance_recorded.v1"
    ]
    members = attended.data["members"]
    assert [(m["seat"], m["partner"]) for m in members] == [
        ("cype_hos_early_help_csc", "csc"),
        ("icb_designated_doctor", "icb"),
        ("met_police_detective_inspector", "police"),
    ]
    # The seat's holder named this proxy: of similar seniority, so the Police are represented.
    assert members[2]["proxy_similar_seniority"] is True
    assert members[2]["role"] == "Detective Inspector"
    assert "Proxy Person" not in str(attended.data)

"""The scheduler's HTTP API for people: pausing a clock where policy allows it, and closure
days from the Business Team, on the real store and broker (the app runs on the wall clock)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest

from sprg_cli.main import main
from sprg_shared import topics
from sprg_shared.auth import Role
from sprg_shared.calendar import WorkingDayCalendar
from tests.integration.test_scheduler_clocks import bearer, scheduler
from tests.integration.test_scheduler_firing import Harness, clock_due, harness, read_to_end

pytestmark = pytest.mark.integration
__all__ = ["harness", "scheduler"]

CAL = WorkingDayCalendar()


async def test_a_pausable_clock_pauses_never_fires_and_resumes_without_the_paused_days(
    scheduler: httpx.AsyncClient, harness: Harness
) -> None:
    now = datetime.now(UTC)
    today = now.date()
    harness.clock.at(now)
    case_id = harness.case(1)
    due = CAL.add_working_days(today, 20)
    await harness.assess(
        case_id,
        clock_due("lcspr_completion", due, today),
        clock_due("sin_notification", CAL.add_working_days(today, 5), today),
    )
    listed = (
        await scheduler.get("/v1/clocks", params={"case_id": case_id}, headers=bearer(Role.CHAIR))
    ).json()
    ids = {c["kind"]: c["clock_id"] for c in listed}
    pause = {"reason": "criminal trial under way", "on": today.isoformat()}
    url = f"/v1/clocks/{ids['lcspr_completion']}"

    assert (
        await scheduler.post(f"{url}/pause", json=pause, headers=bearer(Role.CHAIR))
    ).status_code == 403
    refused = await scheduler.post(
        f"/v1/clocks/{ids['sin_notification']}/pause",
        json=pause,
        headers=bearer(Role.BUSINESS_TEAM),
    )
    assert refused.status_code == 409
    assert "policy" in refused.json()["detail"]

    paused = await scheduler.post(f"{url}/pause", json=pause, headers=bearer(Role.BUSINESS_TEAM))
    assert paused.status_code == 200, paused.text
    assert (paused.json()["state"], paused.json()["next_fire_at"]) == ("paused", None)
    again = await scheduler.post(f"{url}/pause", json=pause, headers=bearer(Role.BUSINESS_TEAM))
    assert again.status_code == 200
    in_pause = await scheduler.get(
        "/v1/clocks", params={"case_id": case_id, "state": "paused"}, headers=bearer(Role.CHAIR)
    )
    assert [c["kind"] for c in in_pause.json()] == ["lcspr_completion"]

    resume_on = CAL.add_working_days(today, 3)
    resumed = await scheduler.post(
        f"{url}/resume", json={"on": resume_on.isoformat()}, headers=bearer(Role.BUSINESS_TEAM)
    )
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert body["state"] == "open"
    assert body["due"] == CAL.add_working_days(due, 3).isoformat()  # 3 WD not counted
    assert body["pauses"][0]["working_days_paused"] == 3
    assert [h["change"] for h in body["history"]] == ["started", "resumed"]
    not_paused = await scheduler.post(
        f"{url}/resume", json={"on": resume_on.isoformat()}, headers=bearer(Role.BUSINESS_TEAM)
    )
    assert not_paused.status_code == 200  # a repeat changes nothing

    events = [e for e in read_to_end(harness.servers.kafka, topics.CLOCKS) if e.subject == case_id]
    kinds = [e.type for e in events if e.data["kind"] == "lcspr_completion"]
    assert kinds.count("sprg.clock.paused.v1") == 2  # the repeat re-announced ...
    assert len({e.id for e in events if e.type == "sprg.clock.paused.v1"}) == 1  # ... the same fact
    assert "sprg.clock.resumed.v1" in kinds


async def test_closure_days_from_the_business_team_are_proposed_then_confirmed(
    scheduler: httpx.AsyncClient, harness: Harness
) -> None:
    now = datetime.now(UTC)
    today = now.date()
    harness.clock.at(now)
    case_id = harness.case(1)
    due = CAL.add_working_days(today, 5)
    await harness.assess(case_id, clock_due("sin_notification", due, today))
    closure = CAL.add_working_days(today, 2)
    body = {"date": closure.isoformat(), "reason": "partnership training day"}

    member = await scheduler.post(
        "/v1/calendar/closures", json=body, headers=bearer(Role.SPRG_MEMBER)
    )
    assert member.status_code == 403
    added = await scheduler.post(
        "/v1/calendar/closures", json=body, headers=bearer(Role.BUSINESS_TEAM)
    )
    assert added.status_code == 201, added.text
    new_due = WorkingDayCalendar(closures=frozenset({closure})).add_working_days(today, 5)
    assert [(m["case_id"], m["old_due"], m["new_due"]) for m in added.json()["moves"]] == [
        (case_id, due.isoformat(), new_due.isoformat())
    ]
    twice = await scheduler.post(
        "/v1/calendar/closures", json=body, headers=bearer(Role.BUSINESS_TEAM)
    )
    assert twice.status_code == 409

    pending = await scheduler.get("/v1/calendar/pending", headers=bearer(Role.SPRG_MEMBER))
    assert pending.json()["proposed_number"] == 1
    clock = (
        await scheduler.get("/v1/clocks", params={"case_id": case_id}, headers=bearer(Role.CHAIR))
    ).json()[0]
    assert clock["due"] == due.isoformat()  # not before it is confirmed

    confirmed = await scheduler.post(
        "/v1/calendar/confirm", json={"expected_version": 1}, headers=bearer(Role.BUSINESS_TEAM)
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["clocks_recalculated"] == 1
    calendar = (await scheduler.get("/v1/calendar", headers=bearer(Role.CHAIR))).json()
    assert calendar["version"] == "ew-bank-holidays+closures.1"
    assert calendar["closures"] == [
        {"date": closure.isoformat(), "reason": "partnership training day", "in_version": 1}
    ]
    clock = (
        await scheduler.get("/v1/clocks", params={"case_id": case_id}, headers=bearer(Role.CHAIR))
    ).json()[0]
    assert clock["due"] == new_due.isoformat()
    # Counted on the calendar in force: the closure day is not a working day.
    assert clock["working_days_remaining"] == 5


async def test_sprg_calendar_adds_lists_shows_pending_and_confirms(
    scheduler: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = bearer(Role.BUSINESS_TEAM)["Authorization"].removeprefix("Bearer ")
    monkeypatch.setenv("SPRG_TOKEN", token)
    url = ["--url", str(scheduler.base_url).rstrip("/")]
    day = CAL.add_working_days(datetime.now(UTC).date(), 30)

    async def sprg(*args: str) -> tuple[int, str, str]:
        code = await asyncio.to_thread(main, [*args, *url])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = await sprg("calendar", "add-closure", day.isoformat(), "--reason", "office move")
    assert code == 0
    assert json.loads(out)["pending"] == [{"date": day.isoformat(), "reason": "office move"}]
    code, _, err = await sprg("calendar", "add-closure", day.isoformat(), "--reason", "again")
    assert (code, "already a closure day" in err) == (2, True)
    code, out, _ = await sprg("calendar", "pending")
    assert json.loads(out)["proposed_version"] == "ew-bank-holidays+closures.1"
    code, _, err = await sprg("calendar", "confirm", "--expect", "2")
    assert (code, "now version 1" in err) == (2, True)
    code, out, _ = await sprg("calendar", "confirm", "--expect", "1")
    assert (code, json.loads(out)["number"]) == (0, 1)
    code, out, _ = await sprg("calendar", "list")
    assert json.loads(out)["closures"] == [
        {"date": day.isoformat(), "reason": "office move", "in_version": 1}
    ]


async def test_the_business_team_edits_the_meeting_schedule_and_the_duties_follow(
    scheduler: httpx.AsyncClient,
) -> None:
    current = (await scheduler.get("/v1/duties/schedule", headers=bearer(Role.CHAIR))).json()
    assert current["version"] == 0
    schedule = current["schedule"]
    schedule["meetings"][1]["chair"] = schedule["meetings"][0]["chair"]
    put = "/v1/duties/schedule"
    not_rotating = await scheduler.put(put, json=schedule, headers=bearer(Role.BUSINESS_TEAM))
    assert not_rotating.status_code == 422
    assert "the chair rotates" in not_rotating.text
    schedule = current["schedule"]
    today = datetime.now(UTC).date()
    first = CAL.add_working_days(today, 15)
    schedule["meetings"] = [
        {"date": first.isoformat(), "chair": "icb"},
        {"date": CAL.add_working_days(first, 40).isoformat(), "chair": "csc"},
    ]
    member = await scheduler.put(put, json=schedule, headers=bearer(Role.SPRG_MEMBER))
    assert member.status_code == 403
    saved = await scheduler.put(put, json=schedule, headers=bearer(Role.BUSINESS_TEAM))
    assert saved.status_code == 200, saved.text
    assert saved.json()["schedule_version"] == 1
    upcoming = (await scheduler.get("/v1/duties", headers=bearer(Role.CHAIR))).json()
    papers = [d for d in upcoming if d["case_id"] == f"sprg-meeting-{first}/papers"]
    assert [p["due"] for p in papers] == [CAL.working_days_before(first, 5).isoformat()]
    assert papers[0]["working_days_remaining"] == 10

"""Issue 13, point 8: one meeting identity between intake and the scheduler.

A meeting intake records joins the scheduler's meeting schedule under the same id, and its
duties (the meeting, its papers deadline, the bi-monthly report for it) are clocked; a
meeting the schedule already plans is, recorded in intake, the same meeting (one entry in
the schedule, one meeting clock), not a second. Intake's and the scheduler's apps on the
real broker and store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from sprg_intake.bootstrap import build as intake_app
from sprg_scheduler.bootstrap import build as scheduler_app
from sprg_scheduler.settings import SchedulerSettings
from tests.http_server import serving
from tests.integration.intake_support import BUSINESS, make_settings
from tests.servers import Servers

pytestmark = pytest.mark.integration


@pytest.fixture
async def apps(
    servers: Servers, run_id: str, pii_key: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    scheduler = SchedulerSettings(
        kafka_bootstrap_servers=servers.kafka,
        mongodb_url=servers.mongodb,
        http_port=0,
        database=f"t{run_id}_scheduler",
        consumer_group=f"t{run_id}-scheduler",
        consumer_start_at=datetime.now(UTC) - timedelta(seconds=5),
    )
    async with (
        serving(intake_app(make_settings(servers, run_id, pii_key))) as intake_url,
        serving(scheduler_app(scheduler)) as scheduler_url,
        httpx.AsyncClient(base_url=intake_url, timeout=30) as intake,
        httpx.AsyncClient(base_url=scheduler_url, timeout=30) as sched,
    ):
        yield intake, sched


async def until(check: Callable[[], Awaitable[Any]], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        if last := await check():
            return last
        await asyncio.sleep(0.3)
    raise AssertionError(f"within {seconds}s: {what} (last: {last!r})")


async def test_a_meeting_recorded_in_intake_is_in_the_schedule_with_its_duties(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    intake, scheduler = apps
    # Not on the packaged schedule (its meetings are on the second Thursday of odd months),
    # chaired by CSC like the planned meeting before it: a fact, which the chair's rotation
    # (a planning rule) does not refuse.
    on = "2027-02-11"
    meeting = await intake.post(
        "/v1/meetings", json={"meeting_date": on, "chair_partner": "csc"}, headers=BUSINESS
    )
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["meeting_id"]
    assert meeting_id == f"sprg-meeting-{on}"

    async def scheduled() -> list[dict[str, Any]]:
        r = await scheduler.get("/v1/duties/schedule", headers=BUSINESS)
        assert r.status_code == 200, r.text
        return [m for m in r.json()["recorded_meetings"] if m["date"] == on]

    [entry] = await until(scheduled, "the meeting in the scheduler's schedule")
    assert entry["chair"] == "csc"

    async def duties() -> set[tuple[str, str]] | None:
        r = await scheduler.get("/v1/duties", headers=BUSINESS)
        mine = {(c["kind"], c["case_id"]) for c in r.json() if c["case_id"].startswith(meeting_id)}
        return mine if len(mine) == 3 else None

    assert await until(duties, "the meeting's three duties clocked") == {
        ("sprg_meeting", meeting_id),
        ("meeting_papers", f"{meeting_id}/papers"),
        ("bimonthly_report", f"{meeting_id}/report"),
    }
    clocks = await scheduler.get("/v1/clocks", params={"case_id": meeting_id}, headers=BUSINESS)
    assert [(c["kind"], c["due"]) for c in clocks.json()] == [("sprg_meeting", on)]


async def test_a_planned_meeting_recorded_in_intake_stays_one_meeting(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
    mongo: AsyncMongoClient[Any],
    run_id: str,
) -> None:
    intake, scheduler = apps
    db = mongo[f"t{run_id}_scheduler"]
    schedule = (await scheduler.get("/v1/duties/schedule", headers=BUSINESS)).json()["schedule"]
    planned = schedule["meetings"][0]  # 2027-01-14, chaired by CSC, on the packaged schedule
    meeting = await intake.post(
        "/v1/meetings",
        json={"meeting_date": planned["date"], "chair_partner": planned["chair"]},
        headers=BUSINESS,
    )
    assert meeting.status_code == 201, meeting.text
    meeting_id = meeting.json()["meeting_id"]

    async def one_clock() -> list[dict[str, Any]] | None:
        r = await scheduler.get("/v1/clocks", params={"case_id": meeting_id}, headers=BUSINESS)
        found = [c for c in r.json() if c["kind"] == "sprg_meeting"]
        return found or None

    [clock] = await until(one_clock, "the planned meeting's clock, under intake's id")
    assert clock["due"] == planned["date"]

    # Once the scheduler has applied intake's event (its ledger says so): still one meeting.
    async def applied() -> bool:
        found = await db["applied_events"].find_one(
            {"_id": {"$regex": "^t" + run_id + "-scheduler:"}, "type": "sprg.meeting.scheduled.v1"}
        )
        return found is not None

    await until(applied, "the scheduler applied intake's meeting")
    after = (await scheduler.get("/v1/duties/schedule", headers=BUSINESS)).json()
    assert [m["date"] for m in after["schedule"]["meetings"]].count(planned["date"]) == 1
    assert planned["date"] not in [m["date"] for m in after["recorded_meetings"]]
    clocks = await scheduler.get("/v1/clocks", params={"case_id": meeting_id}, headers=BUSINESS)
    assert [c["kind"] for c in clocks.json()] == ["sprg_meeting"]

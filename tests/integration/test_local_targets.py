"""Issue 13, point 9: local targets as versioned data, changed without a restart.

A candidate is validated and dry-run (the open clocks it would move, old due -> new due,
and the reminders new offsets would change, old days -> new),
activated with a reason (the running scheduler moves the open clock at once) and rolled
back; a statutory kind is refused. Intake's and the scheduler's apps on the real broker
and store: the Rapid Review's copy to the Panel (1 working day shipped) is the clock.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sprg_cli.main import main
from sprg_shared.auth import Role
from sprg_shared.calendar import WorkingDayCalendar, london_today
from tests.conftest import bearer
from tests.integration.intake_support import BUSINESS, new_case
from tests.integration.test_meeting_identity import apps, until

pytestmark = pytest.mark.integration
__all__ = ["apps"]  # fixtures used by name

CHAIR = bearer("croydon-csc", Role.CHAIR, Role.SPRG_MEMBER)
# Held today, so the copy to the Panel falls due ahead: a clock already overdue could be
# breached by the running scheduler's tick between the dry run and the activation.
HELD = london_today()
ONE_DAY = WorkingDayCalendar().add_working_days(HELD, 1).isoformat()
THREE_DAYS = WorkingDayCalendar().add_working_days(HELD, 3).isoformat()
OUTCOME = {
    "held_date": HELD.isoformat(),
    "purposes": [
        {"purpose": "gather_facts", "addressed": True},
        {"purpose": "immediate_safety_action", "addressed": True},
        {"purpose": "potential_national_learning", "addressed": True},
        {"purpose": "lcspr_decision", "addressed": True},
    ],
    "recommendation": "lcspr",
    "partners_view": "local_review",
}


async def test_a_local_target_is_dry_run_activated_and_rolled_back_without_a_restart(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    intake, scheduler = apps
    case_id = await new_case(intake)
    held = await intake.post(
        f"/v1/cases/{case_id}/rapid-review/outcome", json=OUTCOME, headers=CHAIR
    )
    assert held.status_code == 201, held.text

    async def copy_clock() -> dict[str, Any] | None:
        r = await scheduler.get("/v1/clocks", params={"case_id": case_id}, headers=BUSINESS)
        found = [c for c in r.json() if c["kind"] == "rapid_review_panel_copy"]
        return found[0] if found else None

    clock = await until(copy_clock, "the copy to the Panel clocked")
    assert clock["due"] == ONE_DAY  # 1 working day after the day it was held
    assert clock["basis"] == {"count": 1, "unit": "working_days", "direction": "after"}

    statutory = await scheduler.post(
        "/v1/targets/dry-run", json={"targets": {"sin_notification": 3}}, headers=BUSINESS
    )
    assert statutory.status_code == 422
    assert statutory.json()["detail"][0]["loc"] == ["body", "targets", "sin_notification"]
    assert "rapid_review_panel_copy" in statutory.json()["detail"][0]["msg"]

    candidate = {"targets": {"rapid_review_panel_copy": 3}}
    dry = await scheduler.post("/v1/targets/dry-run", json=candidate, headers=BUSINESS)
    assert dry.status_code == 200, dry.text
    mine = [m for m in dry.json()["would_move"] if m["case_id"] == case_id]
    assert [(m["old_due"], m["new_due"]) for m in mine] == [(ONE_DAY, THREE_DAYS)]
    assert (await copy_clock() or {})["due"] == ONE_DAY  # a dry run changes nothing

    # Activated by the operator's command, as the README shows.
    monkeypatch.setenv("SPRG_TOKEN", BUSINESS["Authorization"].removeprefix("Bearer "))
    file = tmp_path / "targets.yaml"
    file.write_text("rapid_review_panel_copy: 3\n")
    command = ["targets", "activate", str(file), "--reason", "the Panel asked for 3 working days"]
    code = await asyncio.to_thread(main, [*command, "--url", str(scheduler.base_url)])
    assert code == 0
    assert f'"new_due": "{THREE_DAYS}"' in capsys.readouterr().out
    moved = await copy_clock() or {}
    assert moved["due"] == THREE_DAYS
    assert moved["basis"] == {"count": 3, "unit": "working_days", "direction": "after"}
    listed = (await scheduler.get("/v1/targets", headers=BUSINESS)).json()
    assert listed["in_force"]["rapid_review_panel_copy"] == 3
    assert listed["shipped"]["rapid_review_panel_copy"] == 1

    rolled = await scheduler.post(
        "/v1/targets/rollback", json={"reason": "agreed in error"}, headers=BUSINESS
    )
    assert rolled.status_code == 200, rolled.text
    back = await copy_clock() or {}
    assert (back["due"], back["basis"]["count"]) == (ONE_DAY, 1)
    listed = (await scheduler.get("/v1/targets", headers=BUSINESS)).json()
    assert listed["in_force"]["rapid_review_panel_copy"] == 1
    assert [v["reason"] for v in listed["versions"]] == [
        "rollback: agreed in error",
        "the Panel asked for 3 working days",
    ]


async def test_reminder_offsets_activated_put_an_open_clock_at_risk_without_a_restart(
    apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    intake, scheduler = apps
    case_id = await new_case(intake)
    due = (date.today() + timedelta(days=42)).isoformat()
    action = await intake.post(
        "/v1/actions",
        json={
            "source_id": case_id,
            "owner_agency": "croydon-icb",
            "owner_role": "Designated Nurse",
            "due_date": due,
            "description": "Brief GP practices.",
        },
        headers=BUSINESS,
    )
    assert action.status_code == 201, action.text

    async def action_clock() -> dict[str, Any] | None:
        r = await scheduler.get("/v1/clocks", params={"case_id": case_id}, headers=BUSINESS)
        found = [c for c in r.json() if c["kind"] == "action_due"]
        return found[0] if found else None

    clock = await until(action_clock, "the action clocked")
    assert clock["due"] == due and not clock["at_risk"]  # reminders 2 and 0 days before

    # The dry run says which open clocks would be reminded on which new days; nothing moves.
    dry = await scheduler.post(
        "/v1/targets/dry-run",
        json={"targets": {}, "reminder_offsets": [40, 0]},
        headers=BUSINESS,
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["reminder_offsets"] == [40, 0]
    [mine] = [r for r in dry.json()["would_remind"] if r["clock_id"] == clock["clock_id"]]
    old, new = mine["old_reminders"], mine["new_reminders"]
    assert (mine["due"], len(old), old[-1], len(new), new[-1]) == (due, 2, due, 2, due)
    assert old[0] > date.today().isoformat() >= new[0]  # 40 working days ahead: at once
    assert not (await action_clock() or {})["at_risk"]  # a dry run changes nothing
    # The operator's command shows the same, the offsets read from the candidate file.
    monkeypatch.setenv("SPRG_TOKEN", BUSINESS["Authorization"].removeprefix("Bearer "))
    file = tmp_path / "targets.yaml"
    file.write_text("reminder_offsets: [40, 0]\n")
    command = ["targets", "validate", str(file), "--url", str(scheduler.base_url)]
    assert await asyncio.to_thread(main, command) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["reminder_offsets"] == [40, 0]
    assert [
        r["new_reminders"] for r in shown["would_remind"] if r["clock_id"] == mine["clock_id"]
    ] == [new]
    same = await scheduler.post(
        "/v1/targets/dry-run", json={"targets": {}, "reminder_offsets": [2, 0]}, headers=BUSINESS
    )
    assert clock["clock_id"] not in [r["clock_id"] for r in same.json()["would_remind"]]
    bad = await scheduler.post(
        "/v1/targets/dry-run", json={"targets": {}, "reminder_offsets": [2, 2]}, headers=BUSINESS
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "reminder_offsets"]

    wider = await scheduler.post(
        "/v1/targets/activate",
        json={"targets": {}, "reminder_offsets": [40, 0], "reason": "remind six weeks ahead"},
        headers=BUSINESS,
    )
    assert wider.status_code == 200, wider.text
    assert (await action_clock() or {})["at_risk"] is True
    listed = (await scheduler.get("/v1/targets", headers=BUSINESS)).json()
    assert listed["reminder_offsets"] == [40, 0]

    refused = await scheduler.post(
        "/v1/targets/activate",
        json={"targets": {}, "reminder_offsets": [400], "reason": "a typo"},
        headers=BUSINESS,
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "reminder_offsets", "0"]

    back = await scheduler.post(
        "/v1/targets/rollback", json={"reason": "too early"}, headers=BUSINESS
    )
    assert back.status_code == 200, back.text
    assert (await action_clock() or {})["at_risk"] is False

"""The lists people work from: escalations (the open ones at Stage 3 or above first, from
intake's list), actions (the overdue first), information requests and their returns."""

from __future__ import annotations

from datetime import date

from sprg_console.adapters.apis import ApiError
from sprg_intake.entrypoints import lists as intake_lists
from tests.unit.console_fakes import World, clock
from tests.unit.test_console import _text

CASE = "c-0001"
OTHER = "c-0002"


def _opened(escalation_id: str, stage: int, started: str) -> dict[str, object]:
    return {
        "_id": escalation_id,
        "facts": {
            "reference": f"ESC-2026-{escalation_id.upper()}",
            "raised_by_agency": "met-police",
            "with_agency": "croydon-csc",
            "stage": stage,
            "stage_started_date": started,
        },
        "personal": "sealed",
    }


def test_intake_lists_open_formal_escalations_first_then_open_then_resolved() -> None:
    opened = [
        _opened("a", 2, "2026-11-01"),
        _opened("b", 3, "2026-11-20"),
        _opened("c", 3, "2026-11-10"),
        _opened("d", 4, "2026-11-02"),
        _opened("e", 1, "2026-11-03"),
    ]
    updates = [
        {"subject_id": "c", "facts": {**opened[2]["facts"], "stage": 5}},  # type: ignore[dict-item]
        {
            "subject_id": "d",
            "facts": {**opened[3]["facts"], "resolved_date": "2026-11-25"},  # type: ignore[dict-item]
        },
        {"subject_id": "unknown", "facts": {"stage": 5}},
    ]
    rows = intake_lists.escalations(opened, updates)
    assert [r["escalation_id"] for r in rows] == ["c", "b", "a", "e", "d"]
    assert rows[0]["stage"] == 5 and rows[0]["formal"] is True  # the latest record stands
    assert [r["formal"] for r in rows] == [True, True, False, False, True]
    assert rows[-1]["resolved_date"] == "2026-11-25"
    assert all("personal" not in r and "summary" not in r for r in rows)


async def test_the_escalations_list_shows_stage_3_and_above_first_in_words() -> None:
    w = World()
    w.intake.lists["/v1/escalations"] = [
        {
            "escalation_id": "esc-high",
            "reference": "ESC-2026-HIGH",
            "raised_by_agency": "met-police",
            "with_agency": "croydon-csc",
            "stage": 4,
            "formal": True,
            "stage_started_date": "2026-11-20",
            "resolved_date": None,
        },
        {
            "escalation_id": "esc-low",
            "reference": "ESC-2026-LOW",
            "raised_by_agency": "croydon-csc",
            "with_agency": "met-police",
            "stage": 1,
            "formal": False,
            "stage_started_date": "2026-11-02",
            "resolved_date": None,
        },
        {
            "escalation_id": "esc-done",
            "reference": "ESC-2026-DONE",
            "raised_by_agency": "met-police",
            "with_agency": "croydon-csc",
            "stage": 3,
            "formal": True,
            "stage_started_date": "2026-10-01",
            "resolved_date": "2026-10-20",
        },
    ]
    async with w.signed_in("bt") as browser:
        page = await browser.get("/escalations")
    text = _text(page.text)
    assert page.status_code == 200
    assert w.intake.listed == ["/v1/escalations"]
    assert "1 open at Stage 3 or above" in text
    assert text.index("ESC-2026-HIGH") < text.index("ESC-2026-LOW") < text.index("ESC-2026-DONE")
    assert "Stage 4: heads of service" in text and "Stage 1: practitioner to practitioner" in text
    assert "Metropolitan Police Service" in text and "Croydon Children's Social Care" in text
    assert "Resolved 20 October 2026" in text and "20 November 2026" in text
    assert 'href="/escalations/esc-high"' in page.text


async def test_an_agency_practitioner_sees_the_escalations_with_a_stage_response_due() -> None:
    w = World()
    w.intake.refuse_with = ApiError(403, "not for this role")
    w.scheduler.concerns = {"met-police": {"esc-1"}}
    w.scheduler.clocks_ = [
        clock("esc-1", "escalation_stage", date(2026, 12, 4), days_left=1, at_risk=True)
    ]
    async with w.signed_in("police") as browser:
        page = await browser.get("/escalations")
    text = _text(page.text)
    assert page.status_code == 200
    assert "Only the Business Team and the SPRG see every escalation" in text
    assert "4 December 2026" in text


async def test_the_actions_list_puts_the_overdue_first() -> None:
    w = World()
    w.scheduler.clocks_ = [
        clock("act-later", "action_due", date(2026, 12, 20), days_left=11),
        clock("act-late", "action_due", date(2026, 11, 30), days_left=-3, state="breached"),
        clock("act-soon", "action_due", date(2026, 12, 7), days_left=2, at_risk=True),
        clock(CASE, "sin_notification", date(2026, 12, 1), days_left=-1, state="breached"),
    ]
    async with w.signed_in("bt") as browser:
        page = await browser.get("/actions")
    text = _text(page.text)
    assert "the overdue first" in text
    assert text.index("30 November 2026") < text.index("7 December 2026")
    assert text.index("7 December 2026") < text.index("20 December 2026")
    assert "1 December 2026" not in text  # a case's duty is not an action


def _returned(case_id: str, kind: str, due: date, met_on: date, *, late: bool) -> object:
    return clock(case_id, kind, due, days_left=0, state="met", key=f"req-{case_id}").model_copy(
        update={"met_on": met_on, "late": late}
    )


async def test_requests_still_owed_come_overdue_first_and_returns_say_if_late() -> None:
    w = World()
    w.reporting.cases = {
        CASE: {"reference": "SIN-2026-AAAA1111", "reporting_agency": "croydon-csc"},
        OTHER: {"reference": "SIN-2026-BBBB2222", "reporting_agency": "met-police"},
    }
    w.scheduler.clocks_ = [
        clock(CASE, "imr_return", date(2026, 12, 18), days_left=10, key="r1"),
        clock(OTHER, "information_request", date(2026, 12, 1), days_left=-2, key="r2"),
        clock(CASE, "rapid_review", date(2026, 12, 21), days_left=12),
        _returned(OTHER, "imr_return", date(2026, 11, 20), date(2026, 11, 24), late=True),  # type: ignore[list-item]
        _returned(CASE, "information_request", date(2026, 11, 28), date(2026, 11, 26), late=False),  # type: ignore[list-item]
    ]
    async with w.signed_in("bt") as browser:
        page = await browser.get("/information-requests")
    text = _text(page.text)
    assert page.status_code == 200
    owed, returned = text.split("Returns received", 1)
    assert owed.index("1 December 2026") < owed.index("18 December 2026")
    assert "21 December 2026" not in owed  # the Rapid Review is not a request
    assert returned.index("26 November 2026") < returned.index("24 November 2026")
    assert "IMR return" in returned and "Late" in returned and "On time" in returned
    assert "SIN-2026-BBBB2222" in returned


async def test_an_agency_practitioner_sees_only_what_was_asked_of_its_agency() -> None:
    w = World()
    w.scheduler.concerns = {"met-police": {OTHER}}
    w.scheduler.clocks_ = [
        clock(CASE, "imr_return", date(2026, 12, 18), days_left=10, key="r1"),
        clock(OTHER, "information_request", date(2026, 12, 11), days_left=6, key="r2"),
    ]
    async with w.signed_in("police") as browser:
        start = (await browser.get("/")).text
        page = await browser.get("/information-requests")
    text = _text(page.text)
    assert 'href="/information-requests"' in start
    assert "11 December 2026" in text and "18 December 2026" not in text
    assert {a["agency"] for a in w.scheduler.asked} == {"met-police"}

"""The lists people work from: escalations (the open ones at Stage 3 or above first, from
intake's list). Actions and information requests: ``test_console_listings.py``."""

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

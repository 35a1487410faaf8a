"""An agency practitioner raises an escalation from the console: the agency chosen from the
list (never typed, never their own), the stage from the policy's table, the dates as day,
month and year, plain-words errors, and a confirmation that says what happens next."""

from __future__ import annotations

import pytest

from sprg_console.adapters.apis import ApiError
from tests.unit.console_fakes import World
from tests.unit.test_console import _csrf, _key, _text


def _fields(form: str, **changes: str) -> dict[str, str]:
    fields = {
        "csrf_token": _csrf(form),
        "idempotency_key": _key(form),
        "with_agency": "croydon-csc",
        "stage": "3",
        "started-day": "24",
        "started-month": "11",
        "started-year": "2026",
        "summary": "We disagree about whether the threshold for a strategy meeting is met.",
    }
    return fields | changes


async def test_the_start_page_offers_an_agency_practitioner_the_escalation_form() -> None:
    w = World()
    async with w.signed_in("police") as browser:
        start = (await browser.get("/")).text
        form = (await browser.get("/raise-an-escalation")).text
    assert "Raise an escalation" in _text(start) and 'href="/raise-an-escalation"' in start
    # agencies from the list, by name; the person's own agency is not offered
    assert ">Croydon Children's Social Care<" in form.replace("&#39;", "'")
    assert 'value="met-police"' not in form
    assert "Stage 3: senior managers and safeguarding leads" in form
    assert 'name="started-day"' in form and 'name="copied-year"' in form


async def test_an_escalation_goes_through_intake_and_says_what_happens_next() -> None:
    w = World()
    w.intake.answer = {
        "escalation_id": "esc-1",
        "reference": "ESC-2026-ABCD1234",
        "stage": 3,
    }
    async with w.signed_in("police") as browser:
        form = (await browser.get("/raise-an-escalation")).text
        fields = _fields(form, **{"copied-day": "25", "copied-month": "11", "copied-year": "2026"})
        done = await browser.post("/raise-an-escalation", data=fields)
        again = await browser.post("/raise-an-escalation", data=fields)
    assert again.status_code == 200
    text = _text(done.text)
    assert done.status_code == 200
    assert "Escalation recorded" in text and "ESC-2026-ABCD1234" in text
    assert "What happens next" in text and "next SPRG meeting" in text
    assert "Croydon Children's Social Care" in text
    assert 'href="/escalations/esc-1"' in done.text
    first, second = w.intake.posts
    assert first["path"] == "/v1/escalations"
    assert first["body"] == {
        "with_agency": "croydon-csc",
        "stage": 3,
        "stage_started_date": "2026-11-24",
        "copy_to_cscp_date": "2026-11-25",
        "summary": "We disagree about whether the threshold for a strategy meeting is met.",
    }
    # a resubmitted page sends the same Idempotency-Key: intake records it once
    assert first["key"] == second["key"] == fields["idempotency_key"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"with_agency": ""}, "Select the agency you disagree with"),
        ({"with_agency": "made-up"}, "Select the agency you disagree with"),
        ({"with_agency": "met-police"}, "Select another agency than your own"),
        ({"stage": "9"}, "Select the stage reached"),
        (
            {"started-day": "", "started-month": "", "started-year": ""},
            "Enter the date this stage started",
        ),
        ({"started-month": ""}, "The date this stage started must include a month"),
        (
            {"started-day": "31", "started-month": "2"},
            "The date this stage started must be a real date",
        ),
        ({"started-year": "2099"}, "The date this stage started must be today or in the past"),
        (
            {"copied-day": "1", "copied-month": "11", "copied-year": "2026"},
            "The date you sent a copy to the CSCP must be on or after the date the stage started",
        ),
        ({"summary": "  "}, "Enter what the disagreement is about"),
    ],
)
async def test_a_wrong_escalation_is_named_in_plain_words_and_nothing_is_sent(
    changes: dict[str, str], message: str
) -> None:
    w = World()
    async with w.signed_in("police") as browser:
        form = (await browser.get("/raise-an-escalation")).text
        answer = await browser.post("/raise-an-escalation", data=_fields(form, **changes))
    assert answer.status_code == 400
    assert "There is a problem" in answer.text
    assert message in _text(answer.text)
    assert "<title>Error: " in answer.text
    assert w.intake.posts == []


async def test_intakes_refusal_is_shown_on_the_form() -> None:
    w = World()
    w.intake.refuse_with = ApiError(422, "bad", {"stage_started_date": "in the future"})
    async with w.signed_in("police") as browser:
        form = (await browser.get("/raise-an-escalation")).text
        answer = await browser.post("/raise-an-escalation", data=_fields(form))
    assert answer.status_code == 400
    assert "Enter the date this stage started" in _text(answer.text)


async def test_an_escalation_without_the_csrf_token_is_refused() -> None:
    w = World()
    async with w.signed_in("police") as browser:
        form = (await browser.get("/raise-an-escalation")).text
        answer = await browser.post("/raise-an-escalation", data=_fields(form, csrf_token="forged"))
    assert answer.status_code in (400, 403)
    assert w.intake.posts == []

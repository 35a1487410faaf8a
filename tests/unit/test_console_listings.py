"""The actions list, the requests-and-returns list and "what is asked of you", from
intake's lists (rows made by intake's own pure functions, so their shape is intake's)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sprg_console.adapters.apis import ApiError
from sprg_console.handlers.listings import ACTIONS, ASKED_REASON, CASES, REQUESTS
from sprg_intake.handlers.listings import fold_actions, request_rows
from tests.unit.console_fakes import World
from tests.unit.test_console import OTHER, _text, listed_case, world_with_cases

TODAY = date(2026, 12, 3)
AT = datetime(2026, 11, 1, 9, tzinfo=UTC)
CASE = "c-0001"


def _action(
    n: int, owner: str, due: str, status: str = "open", description: str = ""
) -> list[dict[str, Any]]:
    facts = {
        "action_id": f"a{n}",
        "reference": f"ACT-2026-000{n}",
        "source_id": CASE,
        "source_reference": "SIN-2026-AAAA1111",
        "owner_agency": owner,
        "owner_role": "Designated safeguarding lead",
        "due_date": due,
        "status": "open",
        "updated_date": "2026-11-01",
    }
    records = [
        {"_id": f"a{n}", "subject_id": f"a{n}", "kind": "action", "created_at": AT, "facts": facts}
    ]
    if status != "open":
        records.append(
            {
                "_id": f"a{n}:u",
                "subject_id": f"a{n}",
                "kind": "action_update",
                "created_at": AT,
                "facts": {**facts, "status": status, "updated_date": "2026-11-20"},
            }
        )
    return records


def _actions(*specs: tuple[int, str, str, str]) -> list[dict[str, Any]]:
    records = [r for n, owner, due, status in specs for r in _action(n, owner, due, status)]
    rows = fold_actions(records, TODAY)
    for row in rows:
        row["words"] = {"description": f"Do thing {row['action_id']}", "note": None}
    return rows


def _requests() -> list[dict[str, Any]]:
    def ask(n: int, agency: str, due: str, case_id: str = CASE) -> dict[str, Any]:
        return {
            "_id": f"r{n}",
            "subject_id": case_id,
            "kind": "information_request",
            "created_at": AT,
            "facts": {
                "reference": "SIN-2026-AAAA1111",
                "agency": agency,
                "kind": "imr",
                "requested_date": "2026-11-01",
                "due_date": due,
            },
        }

    answer = {
        "_id": "r3:return:1",
        "subject_id": "r3",
        "kind": "return",
        "created_at": AT,
        "facts": {"received_date": "2026-11-25", "documents_stored": []},
    }
    asked = [
        ask(1, "met-police", "2026-12-20"),
        ask(2, "croydon-csc", "2026-11-30"),
        ask(3, "met-police", "2026-11-20"),
    ]
    return request_rows(asked, [answer], TODAY)


async def test_the_business_team_finds_every_action_the_overdue_first_closed_ones_too() -> None:
    w = World(today=TODAY)
    w.intake.pages[ACTIONS] = _actions(
        (1, "met-police", "2026-12-20", "open"),
        (2, "croydon-csc", "2026-11-30", "open"),
        (3, "met-police", "2026-11-01", "done"),
        (4, "met-police", "2026-11-02", "dropped"),
    )
    async with w.signed_in("bt") as browser:
        page = await browser.get("/actions")
    assert page.status_code == 200
    text = _text(page.text)
    order = [text.index(f"ACT-2026-000{n}") for n in (2, 1, 3, 4)]
    assert order == sorted(order)  # the overdue first, then by due date, then the closed
    assert "Overdue" in text and "Done" in text and "Dropped" in text
    rows = text.split("4 actions", 1)[1]
    assert "Metropolitan Police Service" in rows and "met-police" not in rows
    assert 'href="/actions/a3"' in page.text and f'href="/cases/{CASE}"' in page.text
    assert "Do thing" not in text  # no reason asked: facts only
    assert "4 actions" in text
    assert w.intake.paged[-1] == {"path": ACTIONS, "caller": "cscp", "limit": 50, "offset": 0}


async def test_the_filters_are_sent_to_intake_and_kept_in_the_form() -> None:
    w = World(today=TODAY)
    w.intake.pages[ACTIONS] = _actions((3, "met-police", "2026-11-01", "done"))
    query = {
        "status": "done",
        "agency": "met-police",
        "reference": "ACT-2026-0003",
        "due_after-day": "1",
        "due_after-month": "11",
        "due_after-year": "2026",
        "due_before-day": "30",
        "due_before-month": "11",
        "due_before-year": "2026",
    }
    async with w.signed_in("bt") as browser:
        page = await browser.get("/actions", params=query)
    assert page.status_code == 200
    asked = w.intake.paged[-1]
    assert (asked["status"], asked["case"], asked["agency"]) == (
        "done",
        "ACT-2026-0003",
        "met-police",
    )
    assert (asked["due_after"], asked["due_before"]) == ("2026-11-01", "2026-11-30")
    assert 'value="ACT-2026-0003"' in page.text
    assert '<option value="met-police" selected>' in page.text
    assert "1 action matching the filters" in _text(page.text)
    assert "Clear the filters" in page.text


async def test_a_filter_that_cannot_be_read_is_said_in_plain_words_and_not_sent() -> None:
    w = World(today=TODAY)
    w.intake.pages[REQUESTS] = _requests()
    query = {
        "due_after-day": "31",
        "due_after-month": "2",
        "due_after-year": "2026",
        "status": "lost",
    }
    async with w.signed_in("bt") as browser:
        page = await browser.get("/information-requests", params=query)
    assert page.status_code == 400
    text = _text(page.text)
    assert "There is a problem" in text
    assert "The first due date must be a real date" in text
    assert "Select a status from the list" in text
    assert '<a href="#due_after-day">' in page.text
    assert "due_after" not in w.intake.paged[-1] and "status" not in w.intake.paged[-1]
    assert page.text.count("<title>Error: ") == 1


async def test_a_long_list_comes_in_pages_of_fifty() -> None:
    w = World(today=TODAY)
    w.intake.pages[ACTIONS] = _actions(
        *((n, "met-police", f"2027-01-{n % 28 + 1:02d}", "open") for n in range(120))
    )
    async with w.signed_in("chair") as browser:
        first = await browser.get("/actions", params={"status": "open"})
        third = await browser.get("/actions", params={"status": "open", "page": "3"})
    assert "page 1 of 3" in _text(first.text)
    assert 'href="/actions?status=open&amp;page=2"' in first.text
    assert w.intake.paged[-1]["offset"] == 100
    assert _text(third.text).count("ACT-2026-") == 20


async def test_requests_show_the_agency_asked_by_name_and_the_returns_late_or_not() -> None:
    w = World(today=TODAY)
    w.intake.pages[REQUESTS] = _requests()
    async with w.signed_in("bt") as browser:
        page = await browser.get("/information-requests", params={"reference": "sin-2026-aaaa1111"})
    text = _text(page.text)
    assert page.status_code == 200
    assert w.intake.paged[-1]["case"] == "sin-2026-aaaa1111"
    rows = text.split("3 requests matching the filters", 1)[1]
    assert rows.index("30 November 2026") < rows.index("20 December 2026")  # overdue first
    assert rows.index("20 December 2026") < rows.index("Returned")
    assert "Croydon Children's Social Care" in rows and "croydon-csc" not in rows
    assert "on 25 November 2026" in rows and "Late" in rows
    assert "Individual Management Review (IMR)" in rows
    assert "Send the return" not in rows  # the Business Team does not answer requests


async def test_an_agency_practitioner_is_offered_the_return_for_its_own_open_request() -> None:
    w = World(today=TODAY)
    w.intake.pages[REQUESTS] = [r for r in _requests() if r["agency"] == "met-police"]
    async with w.signed_in("police") as browser:
        page = await browser.get("/information-requests")
    assert page.status_code == 200
    assert f'href="/cases/{CASE}/requests/r1/return"' in page.text
    assert "/requests/r3/return" not in page.text  # already returned
    assert 'id="agency"' not in page.text  # an agency sees its own: no agency filter
    assert w.intake.paged[-1]["caller"] == "met-police" and "agency" not in w.intake.paged[-1]


async def test_asked_of_you_lists_the_agencys_open_requests_and_actions_by_due_date() -> None:
    w = World(today=TODAY)
    w.intake.pages[REQUESTS] = [
        r for r in _requests() if r["agency"] == "met-police" and r["status"] == "open"
    ]
    w.intake.pages[ACTIONS] = _actions(
        (5, "met-police", "2027-01-10", "open"), (6, "met-police", "2026-11-15", "open")
    )
    async with w.signed_in("police") as browser:
        start = await browser.get("/")
        page = await browser.get("/asked-of-you")
    assert 'href="/asked-of-you"' in start.text
    assert page.status_code == 200
    text = _text(page.text)
    assert "Metropolitan Police Service" in text and "What is asked of you" in text
    actions = text.split("Actions", 1)[1]
    assert actions.index("ACT-2026-0006") < actions.index("ACT-2026-0005")
    assert "Do thing a6" in actions  # what is asked: the description, read with a reason
    asked = {p["path"]: p for p in w.intake.paged}
    assert asked[ACTIONS]["reason"] == ASKED_REASON
    assert asked[ACTIONS]["status"] == "open" and asked[ACTIONS]["agency"] == "met-police"
    assert asked[REQUESTS]["status"] == "open" and "reason" not in asked[REQUESTS]
    assert f'href="/cases/{CASE}/requests/r1/return"' in page.text


async def test_a_list_intake_refuses_or_cannot_give_says_so() -> None:
    w = World(today=TODAY)
    w.intake.refuse_with = ApiError(403, "requires one of the roles")
    async with w.signed_in("executive") as browser:
        refused = _text((await browser.get("/actions")).text)
    assert "You cannot see this list" in refused
    w.intake.refuse_with = ApiError(503, "down")
    async with w.signed_in("bt") as browser:
        down = await browser.get("/information-requests")
    assert down.status_code == 200
    assert "intake did not answer" in _text(down.text)


async def test_a_done_action_without_a_clock_has_its_page_from_intake() -> None:
    w = World(today=TODAY)
    w.intake.pages[ACTIONS] = _actions((3, "met-police", "2026-11-01", "done"))
    async with w.signed_in("bt") as browser:
        page = await browser.get("/actions/a3")
        missing = await browser.get("/actions/no-such-action")
    assert page.status_code == 200
    text = _text(page.text)
    assert "ACT-2026-0003" in text and "Done" in text
    assert "Metropolitan Police Service, Designated safeguarding lead" in text
    assert f'<a class="govuk-link" href="/cases/{CASE}">SIN-2026-AAAA1111</a>' in page.text
    assert "&lt;a" not in page.text  # the link is a link, not its markup shown
    assert w.intake.paged[0]["case"] == "a3"
    assert missing.status_code == 404


async def test_the_business_team_finds_every_case_by_reference_agency_and_dates() -> None:
    """Every case from intake's list, a duty open or not, each linking to its page with its
    reference and the reporting agency's name; the filters sent to intake and kept."""
    w = world_with_cases()
    w.scheduler.clocks_ = w.scheduler.clocks_[:1]  # OTHER's case has no duty open
    query = {
        "agency": "met-police",
        "reference": "sin-2026-bbbb2222",
        "reported_after-day": "1",
        "reported_after-month": "11",
        "reported_after-year": "2026",
        "reported_before-day": "30",
        "reported_before-month": "11",
        "reported_before-year": "2026",
    }
    async with w.signed_in("bt") as browser:
        every = await browser.get("/cases")
        found = await browser.get("/cases", params=query)
    text = _text(every.text)
    assert every.status_code == 200 and "2 cases" in text
    assert f'href="/cases/{OTHER}">SIN-2026-BBBB2222</a>' in every.text
    assert f'href="/cases/{CASE}">SIN-2026-AAAA1111</a>' in every.text
    assert text.index("SIN-2026-BBBB2222") < text.index("SIN-2026-AAAA1111")  # intake's order
    rows = text.split("2 cases", 1)[1]
    assert "Metropolitan Police Service" in rows and "met-police" not in rows
    assert "Notify the Panel by 7 December 2026" in rows and "None open" in rows
    assert "No service lists" not in text
    assert w.intake.paged[0] == {"path": CASES, "caller": "cscp", "limit": 50, "offset": 0}
    asked = w.intake.paged[-1]
    assert (asked["case"], asked["agency"]) == ("sin-2026-bbbb2222", "met-police")
    assert (asked["reported_after"], asked["reported_before"]) == ("2026-11-01", "2026-11-30")
    assert "due_after" not in asked and "status" not in asked
    assert 'value="sin-2026-bbbb2222"' in found.text
    assert '<option value="met-police" selected>' in found.text
    assert "matching the filters" in _text(found.text) and "Clear the filters" in found.text


async def test_a_case_filter_that_cannot_be_read_is_said_and_not_sent() -> None:
    w = world_with_cases()
    query = {
        "reported_after-day": "2",
        "reported_after-month": "12",
        "reported_after-year": "2026",
        "reported_before-day": "1",
        "reported_before-month": "12",
        "reported_before-year": "2026",
        "agency": "Not An Agency",
    }
    async with w.signed_in("bt") as browser:
        page = await browser.get("/cases", params=query)
    assert page.status_code == 400
    text = _text(page.text)
    assert "The last date reported must be the same as or after the first" in text
    assert "Select an agency from the list" in text
    assert '<a href="#reported_before-day">' in page.text
    asked = w.intake.paged[-1]
    assert "reported_before" not in asked and "agency" not in asked
    assert asked["reported_after"] == "2026-12-02"


async def test_a_long_list_of_cases_comes_in_pages() -> None:
    w = World(today=TODAY)
    w.intake.pages[CASES] = [
        listed_case(f"c-{n:04}", f"SIN-2026-{n:04}", "croydon-csc", n % 28 + 2) for n in range(60)
    ]
    async with w.signed_in("chair") as browser:
        first = await browser.get("/cases")
        second = await browser.get("/cases", params={"page": "2"})
    assert "60 cases (page 1 of 2)" in _text(first.text)
    assert 'href="/cases?page=2"' in first.text
    assert w.intake.paged[-1]["offset"] == 50
    assert second.text.count('href="/cases/c-') == 10


async def test_a_person_intake_does_not_list_every_case_for_sees_the_cases_with_duties() -> None:
    """An SPRG member is not given every case (intake reads a case for its agency and the
    Business Team): the list says so and shows the cases with a duty open, as before."""
    w = world_with_cases()
    w.intake.refuse_with = ApiError(403, "requires one of the roles")
    async with w.signed_in("member") as browser:
        page = await browser.get("/cases")
    text = _text(page.text)
    assert page.status_code == 200
    assert "this list shows the cases with a duty still open" in text
    assert "SIN-2026-AAAA1111" in text and "Notify the Panel by 7 December 2026" in text

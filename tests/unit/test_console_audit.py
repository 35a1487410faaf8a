"""The console's audit page (issue 14, point 4): the Business Team lists reads and changes
of every service by case, person, agency and date, refusals included; nobody else sees it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sprg_console.adapters.ports import KnownPerson
from tests.unit.console_fakes import World

CASE = "c-0001"


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def _entry(at: str, by: str, agency: str, granted: bool, **more: str) -> dict[str, object]:
    return {
        "at": at,
        "action": "read",
        "route": "read_case",
        "method": "GET",
        "path": f"/v1/cases/{CASE}",
        "case_id": CASE,
        "by": by,
        "agency": agency,
        "roles": ["agency_submitter"],
        "reason": None,
        "granted": granted,
        **more,
    }


def world() -> World:
    w = World()
    w.audit.logs = {
        "intake": [
            _entry("2026-12-02T10:00:00Z", "police-1", "met-police", False),
            _entry("2026-12-01T09:30:00Z", "csc-1", "croydon-csc", True, reason="deadline"),
        ],
        "scheduler": [
            _entry(
                "2026-12-02T11:00:00+00:00",
                "police-1",
                "met-police",
                False,
                path="/v1/clocks",
                reason="an agency lists the clocks of one case it is involved in",
            ),
        ],
        "rules": [_entry("2026-11-30T08:00:00Z", "bt-1", "cscp", True, action="change")],
    }
    return w


async def test_the_business_team_sees_every_services_entries_newest_first() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        page = await browser.get("/audit")
    assert page.status_code == 200
    text = _text(page.text)
    assert "4 entries" in text
    # Newest first across services, in London time (GMT in December), with the outcome.
    order = [text.index(s) for s in ("11:00:00", "10:00:00", "09:30:00", "08:00:00")]
    assert order == sorted(order)
    assert "Refused" in text and "Allowed" in text
    assert "Read in scheduler" in text and "Change in rules" in text
    assert "an agency lists the clocks of one case" in text
    assert {service for service, _ in w.audit.asked} == {
        "intake",
        "rules",
        "scheduler",
        "notifier",
        "reporting",
    }
    assert 'href="/audit"' in page.text  # in the Business Team's navigation


async def test_the_filters_go_to_every_service_and_the_refusals_can_be_listed_alone() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        page = await browser.get(
            "/audit",
            params={
                "case_id": CASE,
                "agency": "met-police",
                "outcome": "refused",
                "since-day": "2",
                "since-month": "12",
                "since-year": "2026",
                "until-day": "3",
                "until-month": "12",
                "until-year": "2026",
            },
        )
    text = _text(page.text)
    assert page.status_code == 200 and "2 entries matching the filters" in text
    assert "csc-1" not in text and "bt-1" not in text
    sent = {query for _, query in w.audit.asked}
    assert len(sent) == 1
    (query,) = sent
    assert (query.case_id, query.agency, query.granted) == (CASE, "met-police", False)
    assert (query.since, query.until) == (date(2026, 12, 2), date(2026, 12, 3))
    # What was typed is kept in the form.
    assert 'value="met-police"' in page.text
    assert re.search(r'name="since-year"[^>]*value="2026"', page.text)


async def test_a_wrong_date_is_named_in_words_and_nothing_is_asked() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        page = await browser.get(
            "/audit", params={"since-day": "31", "since-month": "2", "since-year": "2026"}
        )
    text = _text(page.text)
    assert "There is a problem" in text
    assert "The first day must be a real date" in text
    assert w.audit.asked == []


async def test_a_service_not_answering_is_named_and_the_others_still_shown() -> None:
    w = world()
    w.audit.down = {"rules"}
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get("/audit")).text)
    assert "Rules (decisions) did not answer" in text
    assert "3 entries" in text


async def test_no_one_but_the_business_team_sees_the_audit() -> None:
    for user in ("police", "chair"):
        w = world()
        async with w.signed_in(user) as browser:
            page = await browser.get("/audit")
        assert page.status_code == 403, user
        text = _text(page.text)
        assert "You cannot see this page" in text and "police-1" not in text
        assert w.audit.asked == []
        assert 'href="/audit"' not in page.text


async def test_the_executive_lands_on_the_reports_not_a_refused_worklist() -> None:
    """The worklist lists clocks, which name cases: the matrix gives the Executive Group
    the reports, the summary and the duty calendar, so it lands on the reports."""
    w = world()
    async with w.signed_in("executive") as browser:
        page = await browser.get("/")
    assert page.status_code == 200 and str(page.url).endswith("/reports")
    assert w.scheduler.asked == []
    nav = re.findall(r'navigation__link" href="([^"]+)"', page.text)
    assert "/reports" in nav and "/" not in nav


async def test_people_are_named_as_they_signed_in_or_as_the_directory_names_them() -> None:
    w = world()
    await w.people.remember(
        KnownPerson("police-1", "Pat Officer", "met-police"), datetime(2026, 12, 1, tzinfo=UTC)
    )
    w.notifier.people_ = [{"person_id": "csc-1", "name": "Sam Social Worker"}]
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get("/audit")).text)
    assert text.count("Pat Officer") == 2 and "Sam Social Worker" in text
    assert "sign-in id police-1" not in text and "sign-in id csc-1" not in text
    assert "Not known here sign-in id bt-1" in text  # never signed in here, not in the directory
    assert w.people.people["bt"].agency == "cscp", "signing in here names the person"


async def test_a_person_is_found_by_name_and_a_case_by_its_reference() -> None:
    w = world()
    ref_case = "1a2b3c4d-0000-4000-8000-000000000001"
    w.audit.logs["intake"].append(
        _entry(
            "2026-12-02T12:00:00Z",
            "police-1",
            "met-police",
            True,
            case_id=ref_case,
            path=f"/v1/cases/{ref_case}",
        )
    )
    await w.people.remember(
        KnownPerson("police-1", "Pat Officer", "met-police"), datetime(2026, 12, 1, tzinfo=UTC)
    )
    async with w.signed_in("bt") as browser:
        page = await browser.get(
            "/audit", params={"case_id": "sin-2026-1a2b3c4d", "person": "pat officer"}
        )
    text = _text(page.text)
    assert page.status_code == 200 and "1 entry matching the filters" in text
    assert ref_case in text and CASE not in text
    (query,) = {q for _, q in w.audit.asked}
    assert (query.reference, query.case_id, query.person) == ("SIN-2026-1A2B3C4D", None, "police-1")
    assert 'value="sin-2026-1a2b3c4d"' in page.text  # what was typed stays in the form


async def test_two_people_of_one_name_are_told_apart_by_sign_in_id() -> None:
    w = world()
    for subject in ("p-1", "p-2"):
        await w.people.remember(
            KnownPerson(subject, "Alex Smith", "met-police"), datetime(2026, 12, 1, tzinfo=UTC)
        )
    async with w.signed_in("bt") as browser:
        page = await browser.get("/audit", params={"person": "Alex Smith"})
    assert "More than one person is called Alex Smith" in _text(page.text)
    assert w.audit.asked == []

"""The console's administration pages for the CSCP Business Team, through
``bootstrap.build`` with in-memory services: directory and seats, subscriptions, closure
days and the recalculation they cause."""

from __future__ import annotations

from datetime import date

from tests.unit.console_fakes import World
from tests.unit.test_console import _csrf, _key, _text


def world() -> World:
    w = World(today=date(2026, 12, 3))
    w.notifier.people_ = [
        {
            "person_id": "bm",
            "name": "Business Manager",
            "agency": "croydon-csc",
            "roles": ["business_manager"],
            "owns_clocks": ["sin_notification"],
            "channel": "email",
            "delivery": "daily_digest",
        }
    ]
    w.meetings.seats = [
        {"seat": "chair", "directorate": "Chair", "role": "Rotating Lead", "held": False},
        {
            "seat": "met_police_detective_inspector",
            "directorate": "Police",
            "role": "Detective Inspector",
            "held": True,
            "agency": "met-police",
            "name": "DI Example",
            "proxies": ["DS Example"],
            "from_date": "2026-01-01",
        },
    ]
    w.admin.subscriptions_ = [
        {
            "name": "sin-due-soon",
            "event": "sprg.clock.reminder.v1",
            "when": {"kind": "sin_notification"},
            "template": "clock_reminder",
            "recipients": [{"role": "business_manager"}, {"role": "lado", "agency": "croydon-csc"}],
        }
    ]
    w.admin.moves = [
        {
            "clock_id": "k1",
            "case_id": "c-0001",
            "kind": "sin_notification",
            "old_due": "2026-12-24",
            "new_due": "2026-12-29",
        }
    ]
    return w


async def test_directory_and_seats() -> None:
    async with world().signed_in("bt") as browser:
        page = await browser.get("/administration/directory")
    text = _text(page.text)
    assert "Police: Detective Inspector DI Example, since 1 January 2026" in text
    assert "Metropolitan Police Service DS Example" in text
    assert "Chair: Rotating Lead Not filled" in text
    assert "Business Manager Croydon Children's Social Care" in text
    assert "a daily digest" in text


async def test_subscriptions_say_who_is_told_about_what() -> None:
    async with world().signed_in("bt") as browser:
        page = await browser.get("/administration/subscriptions")
    text = _text(page.text)
    assert "sin-due-soon" in text and "Kind is sin_notification" in text
    assert "Business manager, Lado (croydon-csc)" in text


async def test_only_the_business_team_administers() -> None:
    async with world().signed_in("chair") as browser:
        for path in ("/administration", "/administration/calendar"):
            assert (await browser.get(path)).status_code == 403


async def test_a_closure_day_waits_showing_the_moves_until_confirmed() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        page = await browser.get("/administration/calendar")
        csrf = _csrf(page.text)
        bad = await browser.post(
            "/administration/calendar/closures",
            data={"csrf_token": csrf, "closure-day": "24", "closure-month": "12", "reason": ""},
        )
        assert bad.status_code == 400
        assert "The closure day must include a year" in _text(bad.text)
        assert "Enter why the offices close" in _text(bad.text)
        added = await browser.post(
            "/administration/calendar/closures",
            data={
                "csrf_token": csrf,
                "closure-day": "24",
                "closure-month": "12",
                "closure-year": "2026",
                "reason": "partnership closure",
            },
        )
        text = _text(added.text)
        assert "It changes nothing until you confirm it" in text
        assert "24 December 2026: partnership closure" in text
        assert "Sin notification c-0001 24 December 2026 29 December 2026" in text.replace(
            "SIN", "Sin"
        )
        again = await browser.post(
            "/administration/calendar/closures",
            data={
                "csrf_token": csrf,
                "closure-day": "24",
                "closure-month": "12",
                "closure-year": "2026",
                "reason": "twice",
            },
        )
        assert again.status_code == 400 and "already a closure day" in _text(again.text)
        confirmed = await browser.post(
            "/administration/calendar/confirm", data={"csrf_token": csrf, "expected": "2"}
        )
    assert w.admin.confirmed == [2]
    text = _text(confirmed.text)
    assert "the new calendar is in force" in text
    assert "24 December 2026: partnership closure (since version 2)" in text


async def test_a_proposal_that_changed_since_it_was_reviewed_is_not_confirmed() -> None:
    w = world()
    w.admin.pending_ = [{"date": "2026-12-24", "reason": "closure"}]
    async with w.signed_in("bt") as browser:
        page = await browser.get("/administration/calendar")
        stale = await browser.post(
            "/administration/calendar/confirm",
            data={"csrf_token": _csrf(page.text), "expected": "7"},
        )
    assert stale.status_code == 400
    assert "The proposal changed since you reviewed it" in _text(stale.text)
    assert w.admin.confirmed == []


async def test_the_business_team_records_who_holds_a_seat_and_their_proxies() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        directory = await browser.get("/administration/directory")
        assert 'href="/administration/seats/met_police_detective_inspector"' in directory.text
        form = await browser.get("/administration/seats/met_police_detective_inspector")
        base = {"csrf_token": _csrf(form.text), "idempotency_key": _key(form.text)}
        bad = await browser.post(
            "/administration/seats/met_police_detective_inspector",
            data={**base, "agency": "nowhere", "proxies": "\n".join("abcdef")},
        )
        text = _text(bad.text)
        assert bad.status_code == 400
        assert "Enter the name of the person who holds it" in text
        assert "Select their agency" in text and "Name 5 proxies or fewer" in text
        assert w.meetings.sent == []
        done = await browser.post(
            "/administration/seats/met_police_detective_inspector",
            data={
                **base,
                "name": "DI New",
                "agency": "met-police",
                "proxies": "DS One\n\n DS Two ",
                "from-day": "1",
                "from-month": "1",
                "from-year": "2027",
            },
        )
        missing = await browser.get("/administration/seats/no_such_seat")
    assert "Seat holder recorded" in _text(done.text)
    assert w.meetings.sent == [
        {
            "path": "/v1/membership/members",
            "body": {
                "seat": "met_police_detective_inspector",
                "name": "DI New",
                "agency": "met-police",
                "proxies": ["DS One", "DS Two"],
                "from_date": "2027-01-01",
            },
            "key": base["idempotency_key"],
        }
    ]
    assert missing.status_code == 404

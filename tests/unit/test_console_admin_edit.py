"""The Business Team changes a person in the notifier's directory and who a subscription is
sent to: the whole record replaced through the notifier's PUT routes, with what the form does
not show kept, a CSRF token, and errors in plain words."""

from __future__ import annotations

import re

import pytest

from sprg_console.adapters.apis import ApiError
from tests.unit.console_fakes import World
from tests.unit.test_console import _csrf, _key, _text
from tests.unit.test_console_admin import world


def _world() -> World:
    w = world()
    w.notifier.people_[0].update(
        {"email": "bm@example.org", "proxy_id": "deputy", "absences": [{"from": "2026-12-24"}]}
    )
    w.admin.people_ = w.notifier.people_
    w.admin.subscriptions_[0]["recipients"] = [
        {"role": "business_manager"},
        {"role": "review_coordinator", "agencies_from": "agency"},
    ]
    return w


def _person_fields(page: str, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "csrf_token": _csrf(page),
        "idempotency_key": _key(page),
        "name": "Business Manager",
        "email": "manager@example.org",
        "agency": "met-police",
        "roles": ["business_manager", "business_team"],
        "owns_clocks": ["sin_notification", "rapid_review"],
        "delivery": "each",
    }
    return fields | changes


async def test_the_directory_links_to_a_form_that_shows_the_person_as_they_are() -> None:
    w = _world()
    async with w.signed_in("bt") as browser:
        directory = (await browser.get("/administration/directory")).text
        form = await browser.get("/administration/people/bm")
    assert 'href="/administration/people/bm"' in directory
    page = form.text
    assert form.status_code == 200 and "Change Business Manager" in _text(page)
    assert 'value="bm@example.org"' in page
    assert re_checked(page, "roles", "business_manager")
    assert re_checked(page, "owns_clocks", "sin_notification")
    assert re_checked(page, "delivery", "daily_digest")
    assert 'value="clock_owner"' not in page  # worked out from each event, nobody holds it


def re_checked(page: str, name: str, value: str) -> bool:
    return bool(re.search(rf'name="{name}"[^>]*value="{value}"[^>]*checked', page))


async def test_a_person_is_changed_and_the_rest_of_their_record_kept() -> None:
    w = _world()
    async with w.signed_in("bt") as browser:
        page = (await browser.get("/administration/people/bm")).text
        done = await browser.post("/administration/people/bm", data=_person_fields(page))
    # redirected (303) to the directory, which says it was done
    assert [r.status_code for r in done.history] == [303]
    assert str(done.url).endswith("/administration/directory?done=person")
    assert "Person's details changed" in _text(done.text)
    [sent] = w.admin.put
    assert sent == {
        "person_id": "bm",
        "name": "Business Manager",
        "email": "manager@example.org",
        "agency": "met-police",
        "roles": ["business_manager", "business_team"],
        "owns_clocks": ["rapid_review", "sin_notification"],
        "channel": "email",
        "delivery": "each",
        "proxy_id": "deputy",
        "absences": [{"from": "2026-12-24"}],
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "Enter the person's name"),
        ({"email": ""}, "Enter the person's e-mail address"),
        ({"email": "not an address"}, "Enter an e-mail address in the correct format"),
        ({"agency": "made-up"}, "Select the person's agency"),
        ({"roles": []}, "Select at least one role"),
        ({"roles": ["clock_owner"]}, "Select the roles from the list"),
        ({"owns_clocks": ["not_a_duty"]}, "Select the duties from the list"),
        ({"delivery": ""}, "Select how they receive messages"),
    ],
)
async def test_a_wrong_change_to_a_person_is_named_and_nothing_is_saved(
    changes: dict[str, object], message: str
) -> None:
    w = _world()
    async with w.signed_in("bt") as browser:
        page = (await browser.get("/administration/people/bm")).text
        answer = await browser.post(
            "/administration/people/bm", data=_person_fields(page, **changes)
        )
    assert answer.status_code == 400
    assert "There is a problem" in answer.text and message in _text(answer.text)
    assert w.admin.put == []


async def test_the_notifiers_refusal_is_said_in_plain_words() -> None:
    w = _world()
    w.admin.refuse_put_with = ApiError(422, "value is not a valid email address", {"email": "x"})
    async with w.signed_in("bt") as browser:
        page = (await browser.get("/administration/people/bm")).text
        answer = await browser.post("/administration/people/bm", data=_person_fields(page))
    assert answer.status_code == 400
    assert "Enter an e-mail address in the correct format" in _text(answer.text)
    assert "value is not a valid" not in answer.text


async def test_changes_need_the_csrf_token_and_the_business_team() -> None:
    w = _world()
    async with w.signed_in("bt") as browser:
        page = (await browser.get("/administration/people/bm")).text
        forged = await browser.post(
            "/administration/people/bm", data=_person_fields(page, csrf_token="forged")
        )
        forged_sub = await browser.post(
            "/administration/subscriptions/sin-due-soon",
            data={"csrf_token": "forged", "roles": ["chair"]},
        )
    async with w.signed_in("chair") as browser:
        refused = await browser.get("/administration/people/bm")
    assert forged.status_code in (400, 403) and forged_sub.status_code in (400, 403)
    assert refused.status_code == 403
    assert w.admin.put == []


async def test_who_a_subscription_is_sent_to_is_changed_keeping_its_conditions() -> None:
    w = _world()
    async with w.signed_in("bt") as browser:
        listing = (await browser.get("/administration/subscriptions")).text
        page = (await browser.get("/administration/subscriptions/sin-due-soon")).text
        empty = await browser.post(
            "/administration/subscriptions/sin-due-soon",
            data={"csrf_token": _csrf(page), "idempotency_key": _key(page)},
        )
        done = await browser.post(
            "/administration/subscriptions/sin-due-soon",
            data={
                "csrf_token": _csrf(page),
                "idempotency_key": _key(page),
                "roles": ["chair", "business_team"],
            },
        )
    assert 'href="/administration/subscriptions/sin-due-soon"' in listing
    assert re_checked(page, "roles", "business_manager")
    assert "Review coordinator" in _text(page)  # the conditional recipient, kept
    # an empty choice is fine while a conditional recipient remains
    assert [r.status_code for r in empty.history] == [303]
    assert [r.status_code for r in done.history] == [303]
    assert "Subscription changed" in _text(done.text)
    assert w.admin.put[-1]["recipients"] == [
        {"role": "review_coordinator", "agencies_from": "agency"},
        {"role": "business_team"},
        {"role": "chair"},
    ]
    assert w.admin.put[-1]["event"] == "sprg.clock.reminder.v1"
    assert w.admin.put[-1]["when"] == {"kind": "sin_notification"}


async def test_a_subscription_sent_to_no_one_is_refused_in_words() -> None:
    w = _world()
    w.admin.subscriptions_[0]["recipients"] = [{"role": "business_manager"}]
    async with w.signed_in("bt") as browser:
        page = (await browser.get("/administration/subscriptions/sin-due-soon")).text
        answer = await browser.post(
            "/administration/subscriptions/sin-due-soon",
            data={"csrf_token": _csrf(page), "idempotency_key": _key(page)},
        )
        unknown = await browser.post(
            "/administration/subscriptions/sin-due-soon",
            data={"csrf_token": _csrf(page), "roles": ["made_up"]},
        )
        missing = await browser.get("/administration/subscriptions/nope")
    assert answer.status_code == 400
    assert "Select at least one role to send it to" in _text(answer.text)
    assert "Select the roles from the list" in _text(unknown.text)
    assert missing.status_code == 404
    assert w.admin.put == []

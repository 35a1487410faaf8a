"""The notifier's pure parts: proxies during absences, routing, subscriptions, digest time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from pydantic import ValidationError

from sprg_notifier.domain.digest import due_day
from sprg_notifier.domain.directory import Agency, Person, receiver_for
from sprg_notifier.domain.render import Templates
from sprg_notifier.domain.routing import addressees
from sprg_notifier.domain.subscriptions import (
    Subscription,
    UnknownNameError,
    check,
    load_subscriptions,
    values_at,
)

WEEK = {"first_day": "2026-05-11", "last_day": "2026-05-15"}


def person(person_id: str, *roles: str, **extra: Any) -> Person:
    return Person.model_validate(
        {
            "person_id": person_id,
            "name": person_id,
            "email": f"{person_id}@example.org",
            "agency": extra.pop("agency", "cscp"),
            "roles": roles or ("sprg_member",),
            **extra,
        }
    )


def test_a_proxy_receives_only_while_the_member_is_away() -> None:
    chair = person("chair", "chair", proxy_id="deputy", absences=[WEEK])
    deputy = person("deputy", "deputy_chair")
    people = {p.person_id: p for p in (chair, deputy)}
    assert receiver_for(chair, date(2026, 5, 10), people) == chair
    assert receiver_for(chair, date(2026, 5, 11), people) == deputy
    assert receiver_for(chair, date(2026, 5, 15), people) == deputy
    assert receiver_for(chair, date(2026, 5, 16), people) == chair


def test_an_absent_proxy_passes_on_to_their_own_proxy_and_a_circle_falls_back() -> None:
    a = person("a", proxy_id="b", absences=[WEEK])
    b = person("b", proxy_id="c", absences=[WEEK])
    c = person("c")
    day = date(2026, 5, 12)
    assert receiver_for(a, day, {p.person_id: p for p in (a, b, c)}) == c
    b_back = person("b", proxy_id="a", absences=[WEEK])
    assert receiver_for(a, day, {p.person_id: p for p in (a, b_back)}) == a  # no one in
    assert receiver_for(person("x", absences=[WEEK]), day, {}).person_id == "x"  # no proxy


def test_a_person_is_refused_an_unknown_role_or_themselves_as_proxy() -> None:
    with pytest.raises(ValidationError, match="lord_mayor"):
        person("p", "lord_mayor")
    with pytest.raises(ValidationError, match="own proxy"):
        person("p", proxy_id="p")
    with pytest.raises(ValidationError, match="before first_day"):
        person("p", absences=[{"first_day": "2026-05-15", "last_day": "2026-05-11"}])


def test_paths_reach_into_lists() -> None:
    data = {"decisions": [{"outcome": "a", "agency": "police"}, {"outcome": "b"}], "kind": "k"}
    assert values_at(data, "decisions.outcome") == ["a", "b"]
    assert values_at(data, "decisions.agency") == ["police"]
    assert values_at(data, "kind") == ["k"]
    assert values_at(data, "missing.path") == []


def test_routing_narrows_a_role_to_the_agencies_the_event_names_by_id_or_code() -> None:
    subscription = Subscription.model_validate(
        {
            "name": "s",
            "event": "sprg.case.assessed.v1",
            "template": "lcspr_publication",
            "recipients": [{"role": "press_office", "agencies_from": "decisions.agency"}],
        }
    )
    people = [
        person("press-police", "press_office", agency="met-police"),
        person("press-icb", "press_office", agency="croydon-icb"),
        person("press-csc", "press_office", agency="croydon-csc"),
    ]
    agencies = [
        Agency(agency_id="met-police", name="Met", codes=frozenset({"police"})),
        Agency(agency_id="croydon-icb", name="ICB", codes=frozenset({"icb"})),
    ]
    raw = {"decisions": [{"agency": "police"}, {"agency": "croydon-icb"}]}
    found = addressees(subscription, {}, raw, people, agencies, date(2026, 5, 1))
    assert [a.receiver.person_id for a in found] == ["press-police", "press-icb"]


def test_clock_owner_is_whoever_owns_the_clocks_kind_else_the_business_team() -> None:
    subscription = Subscription.model_validate(
        {"name": "s", "event": "sprg.clock.reminder_due.v1", "template": "clock_reminder",
         "roles": ["clock_owner"]}
    )  # fmt: skip
    people = [
        person("owner", "sprg_member", owns_clocks=["sin_notification"]),
        person("bt", "business_team"),
        person("x"),
    ]
    found = addressees(subscription, {"kind": "sin_notification"}, {}, people, [], date.today())
    assert [a.member.person_id for a in found] == ["owner"]
    unowned = addressees(subscription, {"kind": "rapid_review"}, {}, people, [], date.today())
    assert [a.member.person_id for a in unowned] == ["bt"]  # the Business Team's, by default
    assert addressees(subscription, {"kind": "x"}, {}, [person("x")], [], date.today()) == []


def test_a_subscription_naming_an_unknown_template_role_or_event_is_refused_by_name() -> None:
    names = Templates().names()
    base = {"name": "s", "event": "sprg.clock.breached.v1", "template": "clock_breached"}
    check(Subscription.model_validate({**base, "roles": ["chair"]}), names)
    for change, named in (
        ({"template": "nope"}, "nope"),
        ({"roles": ["lord_mayor"]}, "lord_mayor"),
        ({"event": "sprg.nothing.v1", "roles": ["chair"]}, "sprg.nothing.v1"),
    ):
        with pytest.raises(UnknownNameError, match=named):
            check(Subscription.model_validate({**base, "roles": ["chair"], **change}), names)


def test_the_shipped_subscriptions_load_and_cover_the_issues_examples() -> None:
    shipped = {s.name: s for s in load_subscriptions(Templates().names()).subscriptions}
    assert {(r.role, r.agencies_from, r.only_if) for r in shipped["clock-breached"].recipients} == {
        ("clock_owner", None, None),
        ("business_manager", None, None),
        ("chair", None, None),
        # a request's or an action's breach: the agency that owns it, the Business Team copied
        ("sprg_member", "owner_agency", None),
        ("business_team", None, "owner_agency"),
    }
    assert {r.role for r in shipped["escalation-stage-3"].recipients} == {"cscp_mailbox"}


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 6, 1, 6, 59, tzinfo=UTC), None),  # 07:59 BST
        (datetime(2026, 6, 1, 7, 0, tzinfo=UTC), date(2026, 6, 1)),  # 08:00 BST
        (datetime(2026, 12, 1, 7, 59, tzinfo=UTC), None),  # 07:59 GMT
        (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), date(2026, 12, 1)),
        (datetime(2026, 6, 1, 23, 30, tzinfo=UTC), date(2026, 6, 2)),  # 00:30 BST next day…
    ],
)
def test_the_digest_falls_due_at_eight_in_london(now: datetime, due: date | None) -> None:
    at = time(8, 0) if due != date(2026, 6, 2) else time(0, 0)
    assert due_day(now, at) == due

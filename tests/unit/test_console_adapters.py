"""The console's HTTP clients of the services, against ``httpx.MockTransport``: the
scheduler's clocks page after page, many cases' references in one lookup."""

from __future__ import annotations

import json
from typing import Any

import httpx

from sprg_console.adapters.apis import HttpAdmin, HttpReporting, HttpScheduler, _Http
from sprg_notifier.domain.directory import Person
from sprg_notifier.domain.subscriptions import Subscription


def _clock(n: int) -> dict[str, Any]:
    return {
        "clock_id": f"k{n}",
        "case_id": f"c{n}",
        "kind": "sin_notification",
        "anchor": "aware_date",
        "anchor_date": "2026-11-30",
        "due": "2026-12-07",
        "state": "open",
        "working_days_remaining": 2,
        "at_risk": False,
        "overdue": False,
    }


async def test_the_scheduler_is_asked_page_after_page_until_a_short_page() -> None:
    asked: list[dict[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        asked.append(params)
        offset = int(params["offset"])
        count = max(0, min(1000, 2500 - offset))
        return httpx.Response(200, json=[_clock(offset + i) for i in range(count)])

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        clocks = await HttpScheduler(client, "http://scheduler").clocks("t", state="open")
    assert len(clocks) == 2500 and len({c.clock_id for c in clocks}) == 2500
    assert [a["offset"] for a in asked] == ["0", "1000", "2000"]
    assert all(a["state"] == "open" and a["limit"] == "1000" for a in asked)


async def test_many_cases_references_are_asked_in_batches() -> None:
    asked: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        asked.append(ids)
        known = [i for i in ids if i != "c-unknown"]
        return httpx.Response(200, json=[{"_id": i, "reference": f"SIN-{i}"} for i in known])

    wanted = [f"c-{n:03d}" for n in range(250)] + ["c-unknown", "c-000"]
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        named = await HttpReporting(client, "http://reporting").cases_by_id("t", wanted)
    assert len(named) == 250 and named["c-007"]["reference"] == "SIN-c-007"
    assert "c-unknown" not in named
    assert [len(a) for a in asked] == [200, 51]


async def test_an_edited_person_and_subscription_are_put_whole_as_the_notifier_reads_them() -> None:
    """The console's PUT bodies, built from what the notifier's GET answered, are what the
    notifier's own models accept (``extra="forbid"``: nothing added, nothing lost)."""
    person = Person.model_validate(
        {
            "person_id": "bm",
            "name": "Business Manager",
            "email": "bm@example.org",
            "agency": "croydon-csc",
            "roles": ["business_manager"],
            "proxy_id": "deputy",
        }
    ).model_dump(mode="json")
    subscription = Subscription.model_validate(
        {
            "name": "sin-due-soon",
            "event": "sprg.clock.reminder.v1",
            "template": "clock_reminder",
            "recipients": [{"role": "review_coordinator", "agencies_from": "agency"}],
        }
    ).model_dump(mode="json")
    put: list[tuple[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            found = person if "people" in request.url.path else subscription
            return httpx.Response(200, json=found)
        parsed = json.loads(request.content)
        put.append((request.url.path, parsed))
        model = Person if "people" in request.url.path else Subscription
        return httpx.Response(200, json=model.model_validate(parsed).model_dump(mode="json"))

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        notifier = _Http(client, "http://notifier")
        admin = HttpAdmin(notifier, _Http(client, "http://scheduler"))
        got = await admin.person("t", "bm")
        assert got is not None
        changed = await admin.put_person("t", {**got, "email": "new@example.org"})
        sub = await admin.subscription("t", "sin-due-soon")
        assert sub is not None
        await admin.put_subscription(
            "t", {**sub, "recipients": [*sub["recipients"], {"role": "chair"}]}
        )
    assert [p for p, _ in put] == ["/v1/directory/people/bm", "/v1/subscriptions/sin-due-soon"]
    assert changed["email"] == "new@example.org" and changed["proxy_id"] == "deputy"

"""The console's HTTP clients of the services, against ``httpx.MockTransport``: the
scheduler's clocks page after page, many cases' references in one lookup."""

from __future__ import annotations

from typing import Any

import httpx

from sprg_console.adapters.apis import HttpReporting, HttpScheduler


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

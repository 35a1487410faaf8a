"""Issue 13, points 3 and 4: intake refuses what the rules cannot decide on, and dates and
references that cannot be true, each with a 422 naming the field (never a 500, never
accepted and then dead-lettered). Against the real store and broker."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sprg_intake.entrypoints import examples
from sprg_shared import topics
from sprg_shared.bus import Producer
from sprg_shared.calendar import london_today
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import envelope_for
from sprg_shared.metrics import bus_metrics
from sprg_shared.vocabulary import FACTORS
from tests.integration.intake_support import (
    BUSINESS,
    CHAIR,
    CSC,
    REPORT,
    events_about,
    intake,
    new_case,
    records,
    settings,
)
from tests.servers import Servers

pytestmark = pytest.mark.integration
__all__ = ["intake", "records", "settings"]  # fixtures used by name


def _fields(response: httpx.Response) -> str:
    """Every field path and message of a 422, as one text to search."""
    assert response.status_code == 422, (response.status_code, response.text)
    detail = response.json()["detail"]
    if isinstance(detail, str):
        return detail
    return " | ".join(".".join(str(p) for p in d["loc"]) + ": " + d["msg"] for d in detail)


def _report(**changes: Any) -> dict[str, Any]:
    report = copy.deepcopy(REPORT)
    for path, value in changes.items():
        target: Any = report
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return report


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"aware_date": "2099-01-05"}, "aware_date", "in the future"),
        (
            {"children__0__date_of_birth": "1900-01-01"},
            "date_of_birth",
            "not a plausible date of birth",
        ),
        (
            {"aware_date": "9999-12-21", "event__date": "9999-12-20"},
            "event.date",
            "in the future",
        ),
        ({"aware_date": "0223-06-02", "event__date": "0223-06-01"}, "event.date", "before 2000"),
    ],
)
async def test_an_incident_with_dates_that_cannot_be_true_is_refused_naming_the_field(
    intake: httpx.AsyncClient, records: Any, changes: dict[str, Any], field: str, words: str
) -> None:
    before = await records.count_documents({})
    response = await intake.post("/v1/incidents", json=_report(**changes), headers=CSC)
    text = _fields(response)
    assert field in text and words in text, text
    assert await records.count_documents({}) == before  # nothing half-written


async def test_a_child_older_than_any_duty_concerns_is_refused_with_the_reason(
    intake: httpx.AsyncClient,
) -> None:
    response = await intake.post(
        "/v1/incidents", json=_report(children__0__date_of_birth="1980-01-01"), headers=CSC
    )
    text = _fields(response)
    assert "children.0.date_of_birth" in text and "care leaver under 25" in text


@pytest.mark.parametrize(
    "body",
    [
        # NaN and infinity are what Python's JSON reader accepts and JSON cannot answer with.
        '{"aware_date": NaN}',
        '{"aware_date": "2026-04-02", "event": {"kind": "death", "date": "2026-04-01", '
        '"location": "in_area", "abuse_or_neglect": "suspected"}, "children": [{"name": '
        '"Child A", "date_of_birth": "2022-02-22", "looked_after": Infinity, '
        '"care_leaver": false, "normally_resident_in_area": true}]}',
        # A lone surrogate in a child's name: valid JSON, not storable text.
        '{"aware_date": "2026-04-02", "event": {"kind": "death", "date": "2026-04-01", '
        '"location": "in_area", "abuse_or_neglect": "suspected"}, "children": [{"name": '
        '"Child \\ud800 A", "date_of_birth": "2022-02-22", "looked_after": false, '
        '"care_leaver": false, "normally_resident_in_area": true}]}',
    ],
)
async def test_nan_and_a_lone_surrogate_get_a_422_not_a_500(
    intake: httpx.AsyncClient, body: str
) -> None:
    response = await intake.post(
        "/v1/incidents",
        content=body.encode(),
        headers={**CSC, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


async def test_a_lone_surrogate_in_a_case_of_concern_is_refused_naming_the_field(
    intake: httpx.AsyncClient,
) -> None:
    body = json.dumps({**examples.CASE_OF_CONCERN, "referrer_name": "A. \ud800"})
    response = await intake.post(
        "/v1/cases-of-concern",
        content=body.encode(),
        headers={**BUSINESS, "Content-Type": "application/json"},
    )
    assert "referrer_name" in _fields(response)


async def test_dates_on_a_case_that_cannot_be_true_are_refused_naming_the_field(
    intake: httpx.AsyncClient,
) -> None:
    case_id = await new_case(intake)  # incident 2026-04-01
    decided = await intake.post(
        f"/v1/cases/{case_id}/lcspr/decision",
        json={**examples.DECISION, "decided_date": "2026-03-01", "panel_informed_date": None},
        headers=BUSINESS,
    )
    assert "decided_date" in _fields(decided) and "before the incident" in _fields(decided)
    tomorrow = (london_today() + timedelta(days=1)).isoformat()
    held = await intake.post(
        f"/v1/cases/{case_id}/rapid-review/outcome",
        json={**examples.RAPID_REVIEW, "held_date": tomorrow},
        headers=CHAIR,
    )
    assert "held_date" in _fields(held) and "in the future" in _fields(held)
    request = await intake.post(
        f"/v1/cases/{case_id}/information-requests",
        json={**examples.INFORMATION_REQUEST, "due_date": "9999-12-20"},
        headers=BUSINESS,
    )
    assert "due_date" in _fields(request) and "years ahead" in _fields(request)
    # The copy to the Panel goes once the Rapid Review is complete, not before it was held.
    early = await intake.post(
        f"/v1/cases/{case_id}/rapid-review/sent-to-panel",
        json={"sent_date": "2026-04-22"},
        headers=BUSINESS,
    )
    assert "sent_date" in _fields(early) and "outcome is not recorded" in _fields(early)


async def test_actions_due_in_the_year_223_or_on_no_source_are_refused(
    intake: httpx.AsyncClient,
) -> None:
    case_id = await new_case(intake)
    action = {**examples.ACTION, "source_id": case_id, "due_date": "0223-07-31"}
    assert "due_date" in _fields(await intake.post("/v1/actions", json=action, headers=CHAIR))
    action = {**examples.ACTION, "source_id": "no-such-meeting"}
    text = _fields(await intake.post("/v1/actions", json=action, headers=CHAIR))
    assert "source_id" in text and "no-such-meeting" in text
    action = {**examples.ACTION, "source_id": case_id}
    ok = await intake.post("/v1/actions", json=action, headers=CHAIR)
    assert ok.status_code == 201, ok.text


async def test_the_rules_vocabulary_is_intakes(intake: httpx.AsyncClient) -> None:
    """Factors, methodology, escalation stages and attendance the rules would refuse are
    refused at the door, naming the field and the values allowed."""
    case_id = await new_case(intake)
    wrong = {
        "serious_child_safeguarding_case": True,
        "factors": {"multi_agency_concerns": {"present": True}},
    }
    text = _fields(
        await intake.post(f"/v1/cases/{case_id}/lcspr/factors", json=wrong, headers=BUSINESS)
    )
    assert "multi_agency_concerns" in text and all(name in text for name in FACTORS)
    some = {
        "serious_child_safeguarding_case": True,
        "factors": {"recurrent_themes": {"present": True}},
    }
    text = _fields(
        await intake.post(f"/v1/cases/{case_id}/lcspr/factors", json=some, headers=BUSINESS)
    )
    assert "missing" in text and "several_areas" in text
    method = {**examples.DECISION, "methodology": "vibes"}
    text = _fields(
        await intake.post(f"/v1/cases/{case_id}/lcspr/decision", json=method, headers=BUSINESS)
    )
    assert "methodology" in text and "systems_review" in text
    stage = {**examples.ESCALATION, "stage": 7}
    text = _fields(await intake.post("/v1/escalations", json=stage, headers=BUSINESS))
    assert "stage" in text and "5" in text

    meeting = await intake.post("/v1/meetings", json=examples.MEETING, headers=BUSINESS)
    meeting_id = meeting.json()["meeting_id"]  # 2026-06-10
    in_person_before = {
        "as_of": "2026-06-05",
        "members": [{"role": "HOS", "partner": "csc", "attendance": "in_person"}],
    }
    response = await intake.post(
        f"/v1/meetings/{meeting_id}/attendance", json=in_person_before, headers=CHAIR
    )
    assert response.json()["detail"][0]["loc"] == ["body", "members", 0, "attendance"]
    assert "before the meeting" in _fields(response)
    unsaid_proxy = {
        "as_of": "2026-06-10",
        "members": [{"role": "DI", "partner": "police", "attendance": "proxy"}],
    }
    text = _fields(
        await intake.post(f"/v1/meetings/{meeting_id}/attendance", json=unsaid_proxy, headers=CHAIR)
    )
    assert "members.0.proxy_similar_seniority" in text


async def test_an_event_another_service_could_not_process_shows_on_the_record_to_the_business_team(
    intake: httpx.AsyncClient, servers: Servers, run_id: str
) -> None:
    """Fed from sprg.dlq: the case's reader sees "not processed: <reason>" (not the agency)."""
    case_id = await new_case(intake)
    (reported,) = await events_about(servers, case_id, 1)
    letter = MessageDeadLettered(
        consumer_group=f"t{run_id}-rules",
        topic=topics.INTAKE,
        partition=0,
        offset=42,
        key=case_id,
        value=reported.to_bytes().decode(),
        reason="PermanentError: the case's facts are not valid",
        attempts=1,
    )
    producer = Producer(servers.kafka, "test", bus_metrics(CollectorRegistry(), "test"))
    try:
        await producer.publish(topics.DLQ, envelope_for(letter, source="sprg/test"))
    finally:
        producer.close()

    async def shown() -> list[dict[str, Any]]:
        read = await intake.get(f"/v1/cases/{case_id}", params={"reason": "dlq"}, headers=BUSINESS)
        found: list[dict[str, Any]] = read.json()["not_processed"]
        return found

    deadline = asyncio.get_running_loop().time() + 30
    while not (found := await shown()) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.3)
    assert [(f["event"], f["status"]) for f in found] == [
        (
            "sprg.incident.reported.v1",
            "not processed: PermanentError: the case's facts are not valid",
        )
    ]
    agency = await intake.get(f"/v1/cases/{case_id}", params={"reason": "dlq"}, headers=CSC)
    assert agency.json()["not_processed"] == []

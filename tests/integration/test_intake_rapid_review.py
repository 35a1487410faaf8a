"""Rapid Review and LCSPR inputs, with returned documents, through the real app and store."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx
import pytest

from sprg_shared.vocabulary import FACTORS
from tests.integration.intake_support import (
    BUSINESS,
    CHAIR,
    CSC,
    PLANTED,
    POLICE,
    audit,
    events_about,
    intake,
    new_case,
    records,
    settings,
)
from tests.servers import Servers

pytestmark = pytest.mark.integration
__all__ = ["audit", "intake", "records", "settings"]  # fixtures used by name

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
TEXT = f"Chronology: {PLANTED} seen at the clinic on 3 March.".encode()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


async def _request(intake: httpx.AsyncClient, case_id: str, agency: str = "met-police") -> str:
    response = await intake.post(
        f"/v1/cases/{case_id}/information-requests",
        json={
            "agency": agency,
            "kind": "imr",
            "requested_date": "2026-04-09",
            "due_date": "2026-04-16",
        },
        headers=BUSINESS,
    )
    assert response.status_code == 201, response.text
    request_id: str = response.json()["record_id"]
    return request_id


async def test_an_agency_returns_documents_that_are_sealed_and_read_back_only_by_the_entitled(
    intake: httpx.AsyncClient, servers: Servers, records: Any, audit: Any
) -> None:
    case_id = await new_case(intake)
    request_id = await _request(intake, case_id)
    url = f"/v1/cases/{case_id}/information-requests/{request_id}/returns"
    files = [
        ("documents", ("imr.pdf", PDF, "application/pdf")),
        ("documents", ("chronology.txt", TEXT, "text/plain")),
        ("documents", ("letter.docx", docx(), "application/octet-stream")),
    ]
    returned = await intake.post(
        url,
        data={"received_date": "2026-04-15", "notes": f"about {PLANTED}"},
        files=files,
        headers={**POLICE, "Idempotency-Key": "r-1"},
    )
    assert returned.status_code == 201, returned.text
    return_id = returned.json()["return_id"]
    again = await intake.post(
        url,
        data={"received_date": "2026-04-15", "notes": f"about {PLANTED}"},
        files=files,
        headers={**POLICE, "Idempotency-Key": "r-1"},
    )
    assert again.json() == returned.json() and again.headers["Idempotent-Replayed"] == "true"

    stored = await records.find_one({"_id": return_id})
    assert PLANTED not in json.dumps(stored, default=str)
    assert b"Chronology" not in json.dumps(stored, default=str).encode()
    assert [a["type"] for a in stored["attachments"]] == [
        "application/pdf",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    requested, received = (await events_about(servers, case_id, 3))[1:]
    assert requested.type == "sprg.rapid_review.info_requested.v1"
    assert requested.data["due_date"] == "2026-04-16" and requested.data["agency"] == "met-police"
    assert received.type == "sprg.rapid_review.return_received.v1"
    assert received.data["documents"] == 3 and PLANTED not in received.model_dump_json()

    doc = f"/v1/returns/{return_id}/documents/1"
    mine = await intake.get(doc, params={"reason": "check upload"}, headers=POLICE)
    assert mine.status_code == 200 and mine.content == TEXT
    team = await intake.get(doc, params={"reason": "rapid review"}, headers=BUSINESS)
    assert team.status_code == 200 and team.headers["content-type"].startswith("text/plain")
    other = await intake.get(doc, params={"reason": "curious"}, headers=CSC)
    assert other.status_code == 404
    case_view = await intake.get(
        f"/v1/cases/{case_id}", params={"reason": "rapid review"}, headers=CSC
    )
    assert [h["kind"] for h in case_view.json()["history"]] == ["information_request"]
    team_view = await intake.get(
        f"/v1/cases/{case_id}", params={"reason": "rapid review"}, headers=BUSINESS
    )
    assert [h["kind"] for h in team_view.json()["history"]] == ["information_request", "return"]
    reads = [
        (r["agency"], r["granted"])
        async for r in audit.find({"case_id": return_id, "action": "read"})
    ]
    assert reads == [("met-police", True), ("cscp", True), ("croydon-csc", False)]


async def test_only_the_agency_asked_may_return(intake: httpx.AsyncClient, records: Any) -> None:
    case_id = await new_case(intake)
    request_id = await _request(intake, case_id)
    response = await intake.post(
        f"/v1/cases/{case_id}/information-requests/{request_id}/returns",
        data={"received_date": "2026-04-15"},
        headers=CSC,
    )
    assert response.status_code == 404
    assert await records.count_documents({"kind": "return", "subject_id": request_id}) == 0


@pytest.mark.parametrize(
    ("filename", "content", "declared", "status"),
    [
        ("imr.pdf", b"MZ\x90\x00\x03\x00\x00\x00 a program", "application/pdf", 415),
        ("imr.txt", PDF, "text/plain", 415),
        ("notes.zip", b"PK\x03\x04not really a document", "application/zip", 415),
        ("big.txt", b"a" * 200_001, "text/plain", 413),
        ("huge.txt", b"a" * 400_000, "text/plain", 413),
    ],
)
async def test_documents_of_the_wrong_type_or_too_big_are_refused_and_nothing_is_written(
    intake: httpx.AsyncClient,
    records: Any,
    filename: str,
    content: bytes,
    declared: str,
    status: int,
) -> None:
    case_id = await new_case(intake)
    request_id = await _request(intake, case_id)
    response = await intake.post(
        f"/v1/cases/{case_id}/information-requests/{request_id}/returns",
        data={"received_date": "2026-04-15"},
        files=[
            ("documents", ("fine.pdf", PDF, "application/pdf")),
            ("documents", (filename, content, declared)),
        ],
        headers=POLICE,
    )
    assert response.status_code == status, response.text
    assert await records.count_documents({"kind": "return", "subject_id": request_id}) == 0


async def test_the_rapid_review_outcome_copy_to_panel_and_closure_are_recorded_once(
    intake: httpx.AsyncClient, servers: Servers
) -> None:
    case_id = await new_case(intake)
    outcome: dict[str, Any] = {
        "held_date": "2026-04-20",
        "purposes": [
            {"purpose": "gather_facts", "addressed": True},
            {"purpose": "immediate_safety_action", "addressed": True, "notes": f"{PLANTED}'s sib"},
            {"purpose": "potential_national_learning", "addressed": False},
            {"purpose": "lcspr_decision", "addressed": True},
        ],
        "recommendation": "lcspr",
        "partners_view": "local_review",
    }
    base = f"/v1/cases/{case_id}/rapid-review"
    assert (await intake.post(f"{base}/outcome", json=outcome, headers=CSC)).status_code == 403
    held = await intake.post(f"{base}/outcome", json=outcome, headers=CHAIR)
    assert held.status_code == 201, held.text
    changed = {**outcome, "recommendation": "undecided"}
    clash = await intake.post(f"{base}/outcome", json=changed, headers=BUSINESS)
    assert clash.status_code == 409
    twice = {**outcome, "purposes": outcome["purposes"][:3] + outcome["purposes"][:1]}
    bad = await intake.post(f"{base}/outcome", json=twice, headers=BUSINESS)
    assert bad.status_code == 422 and "each of the four purposes" in bad.text
    contradiction = {**outcome, "partners_view": "no_review"}
    bad = await intake.post(f"{base}/outcome", json=contradiction, headers=BUSINESS)
    assert bad.status_code == 422 and "contradicts recommendation lcspr" in bad.text
    sent = await intake.post(
        f"{base}/sent-to-panel", json={"sent_date": "2026-04-22"}, headers=BUSINESS
    )
    assert sent.status_code == 201
    closed = await intake.post(
        f"{base}/closure",
        json={"closed_date": "2026-04-23", "rationale": "harm was not serious"},
        headers=BUSINESS,
    )
    assert closed.status_code == 201
    events = (await events_about(servers, case_id, 4))[1:]
    assert [e.type for e in events] == [
        "sprg.rapid_review.held.v1",
        "sprg.rapid_review.sent_to_panel.v1",
        "sprg.rapid_review.closed.v1",
    ]
    assert events[0].data["purposes"][2] == {
        "purpose": "potential_national_learning",
        "addressed": False,
    }
    assert events[2].data["reason"] == "criteria_not_met"
    assert "not serious" not in json.dumps([e.data for e in events])
    assert PLANTED not in json.dumps([e.data for e in events])


async def test_an_lcspr_is_weighed_decided_followed_and_published(
    intake: httpx.AsyncClient, servers: Servers
) -> None:
    case_id = await new_case(intake)
    base = f"/v1/cases/{case_id}/lcspr"
    factors = await intake.post(
        f"{base}/factors",
        json={
            "serious_child_safeguarding_case": True,
            "factors": {
                **{name: {"present": False} for name in FACTORS},
                "improvements_needed": {"present": True, "explanation": f"{PLANTED} missed"},
            },
        },
        headers=BUSINESS,
    )
    assert factors.status_code == 201, factors.text
    no_method = await intake.post(
        f"{base}/decision",
        json={"decision": "commission", "decided_date": "2026-04-20"},
        headers=BUSINESS,
    )
    assert no_method.status_code == 422 and "methodology is required" in no_method.text
    decided = await intake.post(
        f"{base}/decision",
        json={
            "decision": "commission",
            "decided_date": "2026-04-20",
            "methodology": "systems_review",
            "rationale": "learning across agencies",
        },
        headers=BUSINESS,
    )
    assert decided.status_code == 201, decided.text
    for milestone, day in [
        ("reviewer_appointed", "2026-05-01"),
        ("sent_to_panel_and_secretary_of_state", "2026-10-20"),
    ]:
        progressed = await intake.post(
            f"{base}/progress",
            json={"milestone": milestone, "milestone_date": day},
            headers=BUSINESS,
        )
        assert progressed.status_code == 201, progressed.text
    unexplained = await intake.post(
        f"{base}/publication",
        json={"not_publishing": True, "agencies": ["croydon-csc"]},
        headers=BUSINESS,
    )
    assert unexplained.status_code == 422 and "reason_not_publishing" in unexplained.text
    published = await intake.post(
        f"{base}/publication",
        json={
            "planned_publication_date": "2026-11-02",
            "agencies": ["croydon-csc", "met-police"],
            "press_offices_told": ["croydon-csc"],
        },
        headers=BUSINESS,
    )
    assert published.status_code == 201, published.text
    events = (await events_about(servers, case_id, 6))[1:]
    assert [e.type for e in events] == [
        "sprg.lcspr.factors_recorded.v1",
        "sprg.lcspr.decided.v1",
        "sprg.lcspr.progressed.v1",
        "sprg.lcspr.progressed.v1",
        "sprg.lcspr.publication_recorded.v1",
    ]
    assert events[0].data["factors"] == {
        **{name: {"present": False} for name in FACTORS},
        "improvements_needed": {"present": True},
    }
    assert events[1].data["methodology"] == "systems_review"
    assert events[3].data["milestone"] == "sent_to_panel_and_secretary_of_state"
    assert PLANTED not in json.dumps([e.data for e in events])
    view = await intake.get(f"/v1/cases/{case_id}", params={"reason": "lcspr"}, headers=BUSINESS)
    words = [h["words"] for h in view.json()["history"] if h["kind"] == "lcspr_factors"]
    assert words == [
        {
            "explanations": {
                **dict.fromkeys(FACTORS),
                "improvements_needed": f"{PLANTED} missed",
            }
        }
    ]

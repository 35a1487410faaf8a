"""Intake's handlers on the in-memory adapters: no broker, no store, the same chain.

A report is kept with the child's details sealed, its event goes out once through the
outbox relay with no personal data in it, a retry with the same key is the first answer,
a once-only fact is refused a second, different value (409), a correction is a new record
beside the old one, and a case is read only by who may read it (each read audited).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from datetime import UTC, date, datetime
from functools import partial

import pytest

from sprg_intake.adapters.crypto import Sealer, fingerprint
from sprg_intake.adapters.memory import InMemoryCaseStore, InMemoryPublisher
from sprg_intake.adapters.outbox import OutboxRelay
from sprg_intake.domain.commands import CorrectIncident, RecordSinSubmission, ReportIncident
from sprg_intake.handlers import case as case_handlers
from sprg_intake.handlers.incident import (
    CaseNotFound,
    FactConflict,
    IdempotencyConflict,
    IntakeDeps,
    record_sin_submission,
    report_incident,
)
from sprg_shared import topics
from sprg_shared.auth import Principal, Role
from sprg_shared.envelope import Envelope

NOW = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
REPORT = {
    "aware_date": "2026-04-02",
    "event": {
        "kind": "death",
        "date": "2026-04-01",
        "location": "in_area",
        "abuse_or_neglect": "suspected",
    },
    "children": [
        {
            "name": "Child Zed",
            "date_of_birth": "2022-02-22",
            "address": "1 Example Road, Croydon",
            "looked_after": False,
            "care_leaver": False,
            "normally_resident_in_area": True,
        }
    ],
}
CSC = Principal(subject="u-csc", agency="croydon-csc", roles=frozenset({Role.AGENCY_SUBMITTER}))
POLICE = Principal(subject="u-pol", agency="met-police", roles=frozenset({Role.AGENCY_SUBMITTER}))
BT = Principal(subject="u-bt", agency="cscp", roles=frozenset({Role.BUSINESS_TEAM}))


@pytest.fixture
def world() -> tuple[IntakeDeps, InMemoryCaseStore, InMemoryPublisher]:
    key = base64.b64encode(os.urandom(32)).decode()
    store, publisher = InMemoryCaseStore(), InMemoryPublisher()
    deps = IntakeDeps(
        repo=store,
        sealer=Sealer(key, "k1"),
        fingerprint=partial(fingerprint, key),
        relay=OutboxRelay(store, publisher, poll_seconds=1),
        source="sprg/intake",
        now=lambda: NOW,
    )
    return deps, store, publisher


async def test_a_report_is_kept_sealed_and_published_once_without_personal_data(
    world: tuple[IntakeDeps, InMemoryCaseStore, InMemoryPublisher],
) -> None:
    deps, store, publisher = world
    command = ReportIncident.model_validate(REPORT)
    receipt = await report_incident(command, CSC, deps, idempotency_key="k-1", traceparent=None)
    assert receipt.reference.startswith("SIN-2026-") and not receipt.replayed
    kept = store.collections["cases"][receipt.case_id]
    assert "Child Zed" not in json.dumps(kept, default=str)
    assert await deps.relay.drain() == 1
    assert await deps.relay.drain() == 0
    (sent,) = publisher.on(topics.INTAKE)
    assert sent.type == "sprg.incident.reported.v1" and sent.subject == receipt.case_id
    wire = sent.model_dump_json()
    for personal in ("Child Zed", "2022-02-22", "Example Road"):
        assert personal not in wire
    assert sent.data["children"][0]["age_years"] == 4

    again = await report_incident(command, CSC, deps, idempotency_key="k-1", traceparent=None)
    assert again.replayed and again.case_id == receipt.case_id
    other = ReportIncident.model_validate({**REPORT, "aware_date": "2026-04-03"})
    with pytest.raises(IdempotencyConflict):
        await report_incident(other, CSC, deps, idempotency_key="k-1", traceparent=None)
    assert await deps.relay.drain() == 0


async def test_the_sin_submission_is_recorded_once_and_a_different_one_is_refused(
    world: tuple[IntakeDeps, InMemoryCaseStore, InMemoryPublisher],
) -> None:
    deps, _store, publisher = world
    receipt = await report_incident(
        ReportIncident.model_validate(REPORT), CSC, deps, idempotency_key=None, traceparent=None
    )
    first = RecordSinSubmission(submitted_date=date(2026, 4, 7))
    done = await record_sin_submission(receipt.case_id, first, BT, deps, traceparent=None)
    assert done["replayed"] is False
    same = await record_sin_submission(receipt.case_id, first, BT, deps, traceparent=None)
    assert same["replayed"] is True
    with pytest.raises(FactConflict):
        await record_sin_submission(
            receipt.case_id,
            RecordSinSubmission(submitted_date=date(2026, 4, 8)),
            BT,
            deps,
            traceparent=None,
        )
    await deps.relay.drain()
    types = [e.type for e in publisher.on(topics.INTAKE)]
    assert types.count("sprg.sin.submitted.v1") == 1


async def test_a_correction_is_a_new_record_and_reads_are_for_those_entitled(
    world: tuple[IntakeDeps, InMemoryCaseStore, InMemoryPublisher],
) -> None:
    deps, store, publisher = world
    receipt = await report_incident(
        ReportIncident.model_validate(REPORT), CSC, deps, idempotency_key=None, traceparent=None
    )
    corrected = await case_handlers.correct_incident(
        receipt.case_id,
        CorrectIncident.model_validate({"aware_date": "2026-04-03", "reason": "Duty log."}),
        CSC,
        deps,
        idempotency_key=None,
        traceparent=None,
    )
    assert corrected.result["corrected_fields"] == ["aware_date"]
    assert store.collections["cases"][receipt.case_id]["facts"]["aware_date"] == "2026-04-02"
    await deps.relay.drain()
    assert [e.type for e in publisher.on(topics.INTAKE)][-1] == "sprg.incident.corrected.v1"

    read = await case_handlers.read_case(receipt.case_id, BT, deps, reason="weekly review")
    assert read["personal"]["children"][0]["name"] == "Child Zed"
    with pytest.raises(CaseNotFound):
        await case_handlers.read_case(receipt.case_id, POLICE, deps, reason="curious")
    assert [(r["by"], r["granted"]) for r in store.reads] == [("u-bt", True), ("u-pol", False)]


class SlowBroker(InMemoryPublisher):
    """A publisher whose acknowledgement takes a round trip; notes how many were in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0

    async def publish(self, topic: str, envelope: Envelope) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.01)  # the broker's acknowledgement
        self.in_flight -= 1
        await super().publish(topic, envelope)


async def test_the_relay_publishes_cases_at_once_and_each_case_in_its_order() -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    store, broker = InMemoryCaseStore(), SlowBroker()
    deps = IntakeDeps(
        repo=store,
        sealer=Sealer(key, "k1"),
        fingerprint=partial(fingerprint, key),
        relay=OutboxRelay(store, broker, poll_seconds=1),
        source="sprg/intake",
        now=lambda: NOW,
    )
    report = ReportIncident.model_validate(REPORT)
    cases = [
        (await report_incident(report, CSC, deps, idempotency_key=None, traceparent=None)).case_id
        for _ in range(5)
    ]
    # The first case's SIN submission waits in the outbox with its report (another document).
    submitted = RecordSinSubmission(submitted_date=date(2026, 4, 7))
    await record_sin_submission(cases[0], submitted, BT, deps, traceparent=None)
    assert await deps.relay.drain() == 6
    assert broker.most_in_flight >= 2  # the cases did not wait for one another
    first_case = [e.type for e in broker.on(topics.INTAKE) if e.subject == cases[0]]
    assert first_case == ["sprg.incident.reported.v1", "sprg.sin.submitted.v1"]
    assert sorted({e.subject for e in broker.on(topics.INTAKE)}) == sorted(cases)
    assert await deps.relay.drain() == 0  # each marked sent once published

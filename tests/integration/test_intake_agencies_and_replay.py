"""Issue 13, point 3: nothing accepted and then dropped.

- An agency code the partnership's directory does not know is refused at the door (422
  naming the field and the agencies allowed), on every input that names an agency.
- A "not processed: <reason>" line shown to the Business Team is cleared once the event is
  replayed (``sprg dlq replay``) and the group that had failed it processes it.

Against the real store and broker, with a real consumer group failing and then succeeding.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_cli.dlq import read_dead_letters
from sprg_cli.main import main
from sprg_intake.bootstrap import build as create_app
from sprg_intake.entrypoints import examples
from sprg_intake.settings import IntakeSettings
from sprg_shared.bus import ConsumerLoop, PermanentError, Producer, Router
from sprg_shared.contracts.intake import IncidentReported
from sprg_shared.envelope import Envelope
from sprg_shared.metrics import bus_metrics
from sprg_shared.store import AppliedLedger
from tests.http_server import serving
from tests.integration.intake_support import BUSINESS, CSC, events_about, make_settings, new_case
from tests.integration.kafka_helpers import create_topic
from tests.servers import Servers

pytestmark = pytest.mark.integration

PARTNERSHIP = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "croydon-sprg.json"
KNOWN = sorted(a["agency_id"] for a in json.loads(PARTNERSHIP.read_text())["agencies"])


@pytest.fixture
def settings(servers: Servers, run_id: str, pii_key: str) -> IntakeSettings:
    return make_settings(servers, run_id, pii_key, auth_agencies_file=PARTNERSHIP)


@pytest.fixture
async def intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(create_app(settings)) as url,
        httpx.AsyncClient(base_url=url, timeout=15) as client,
    ):
        yield client


def _refused(response: httpx.Response, loc: list[Any], code: str) -> None:
    assert response.status_code == 422, (response.status_code, response.text)
    (detail,) = response.json()["detail"]
    assert detail["loc"] == loc, detail
    assert code in detail["msg"] and all(a in detail["msg"] for a in KNOWN), detail["msg"]


async def test_an_agency_the_directory_does_not_know_is_refused_naming_the_field(
    intake: httpx.AsyncClient,
) -> None:
    case_id = await new_case(intake)
    coc = {**examples.CASE_OF_CONCERN, "agencies_involved": ["croydon-csc", "croydon-health"]}
    response = await intake.post("/v1/cases-of-concern", json=coc, headers=CSC)
    _refused(response, ["body", "agencies_involved", 1], "'croydon-health'")

    escalation = {**examples.ESCALATION, "with_agency": "the-council"}
    response = await intake.post("/v1/escalations", json=escalation, headers=BUSINESS)
    _refused(response, ["body", "with_agency"], "'the-council'")

    request = {**examples.INFORMATION_REQUEST, "agency": "met"}
    response = await intake.post(
        f"/v1/cases/{case_id}/information-requests", json=request, headers=BUSINESS
    )
    _refused(response, ["body", "agency"], "'met'")

    publication = {**examples.PUBLICATION, "press_offices_told": ["bbc"]}
    response = await intake.post(
        f"/v1/cases/{case_id}/lcspr/publication", json=publication, headers=BUSINESS
    )
    _refused(response, ["body", "press_offices_told", 0], "'bbc'")

    action = {**examples.ACTION, "source_id": case_id, "owner_agency": "icb"}
    response = await intake.post("/v1/actions", json=action, headers=BUSINESS)
    _refused(response, ["body", "owner_agency"], "'icb'")

    # The shipped examples name only agencies the directory knows: each is taken.
    assert (
        await intake.post("/v1/cases-of-concern", json=examples.CASE_OF_CONCERN, headers=CSC)
    ).status_code == 201
    assert (
        await intake.post("/v1/escalations", json=examples.ESCALATION, headers=BUSINESS)
    ).status_code == 201
    action = {**examples.ACTION, "source_id": case_id}
    assert (await intake.post("/v1/actions", json=action, headers=BUSINESS)).status_code == 201


async def test_the_plain_web_form_refuses_an_unknown_agency_with_the_allowed_ones(
    intake: httpx.AsyncClient,
) -> None:
    token = CSC["Authorization"].removeprefix("Bearer ")
    form = {
        "token": token,
        "referred_date": "2026-11-24",
        "referrer_name": "A. Practitioner",
        "referrer_role": "DSL",
        "child_name": "Child B",
        "agencies_involved": "croydon-csc, croydon-health",
        "concern": "Missed appointments not shared.",
    }
    response = await intake.post("/forms/case-of-concern", data=form)
    assert response.status_code == 422, response.text
    assert "croydon-health" in response.text and "croydon-health-services" in response.text


class Downstream:
    """A real consumer group on its own topic: fails the incident while ``failing``."""

    def __init__(self, servers: Servers, run_id: str, db: Any) -> None:
        self.topic = f"t{run_id}.downstream"
        self.group = f"t{run_id}-downstream"
        create_topic(servers.kafka, self.topic)
        self.failing = True
        self.applied: list[str] = []
        self.metrics = bus_metrics(CollectorRegistry(), "test")
        self.producer = Producer(servers.kafka, "test", self.metrics)
        router = Router()
        router.on(IncidentReported, self._handle)
        self.loop = ConsumerLoop(
            bootstrap_servers=servers.kafka,
            group_id=self.group,
            topic_names=[self.topic],
            router=router,
            ledger=AppliedLedger(db, self.group),
            producer=self.producer,
            loop=asyncio.get_running_loop(),
            metrics=self.metrics,
            source="sprg/test",
            max_attempts=1,
            backoff_seconds=0.05,
            max_backoff_seconds=0.2,
        )

    async def _handle(self, event: IncidentReported, envelope: Envelope) -> None:
        if self.failing:
            raise PermanentError("the case's facts are not valid (test)")
        self.applied.append(envelope.id)


async def test_a_not_processed_line_is_cleared_once_the_replayed_event_is_processed(
    intake: httpx.AsyncClient,
    servers: Servers,
    run_id: str,
    mongo: AsyncMongoClient[Any],
) -> None:
    case_id = await new_case(intake)
    (reported,) = await events_about(servers, case_id, 1)
    downstream = Downstream(servers, run_id, mongo[f"t{run_id}_downstream"])
    downstream.loop.start()
    try:
        assert await asyncio.to_thread(downstream.loop.wait_assigned, 30)
        await downstream.producer.publish(downstream.topic, reported)

        async def shown() -> list[dict[str, Any]]:
            read = await intake.get(
                f"/v1/cases/{case_id}", params={"reason": "dlq"}, headers=BUSINESS
            )
            found: list[dict[str, Any]] = read.json()["not_processed"]
            return found

        async def until(check: Any, what: str) -> Any:
            deadline = asyncio.get_running_loop().time() + 45
            while asyncio.get_running_loop().time() < deadline:
                if (found := await check()) is not None:
                    return found
                await asyncio.sleep(0.3)
            raise AssertionError(what)

        async def listed() -> list[dict[str, Any]] | None:
            found = await shown()
            return found or None

        (line,) = await until(listed, "the dead letter shown on the case")
        assert line["service"] == downstream.group
        assert line["status"] == "not processed: the case's facts are not valid (test)"

        (dead,) = [
            d
            for d in await asyncio.to_thread(read_dead_letters, servers.kafka)
            if d.letter.consumer_group == downstream.group
        ]
        downstream.failing = False  # the cause is fixed; the operator replays
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = await asyncio.to_thread(
                main,
                [
                    "dlq",
                    "replay",
                    "--offset",
                    str(dead.dlq_offset),
                    "--wait",
                    "30",
                    "--bootstrap-servers",
                    servers.kafka,
                ],
            )
        assert code == 0
        (replayed,) = [json.loads(x) for x in out.getvalue().splitlines()]
        assert replayed["processed"] is True, replayed
        assert downstream.applied == [reported.id]

        async def cleared() -> bool | None:
            return True if await shown() == [] else None

        await until(cleared, "the not-processed line cleared after the replay")
    finally:
        await asyncio.to_thread(downstream.loop.stop)
        downstream.producer.close()


async def test_a_replay_that_fails_again_leaves_the_line_not_processed(
    intake: httpx.AsyncClient,
    servers: Servers,
    run_id: str,
    mongo: AsyncMongoClient[Any],
) -> None:
    case_id = await new_case(intake)
    (reported,) = await events_about(servers, case_id, 1)
    downstream = Downstream(servers, run_id, mongo[f"t{run_id}_downstream"])
    downstream.loop.start()
    try:
        assert await asyncio.to_thread(downstream.loop.wait_assigned, 30)
        await downstream.producer.publish(downstream.topic, reported)
        deadline = asyncio.get_running_loop().time() + 45
        mine: list[Any] = []
        while not mine and asyncio.get_running_loop().time() < deadline:
            mine = [
                d
                for d in await asyncio.to_thread(read_dead_letters, servers.kafka)
                if d.letter.consumer_group == downstream.group
            ]
            await asyncio.sleep(0.3)
        (dead,) = mine
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            await asyncio.to_thread(
                main,
                [
                    "dlq",
                    "replay",
                    "--offset",
                    str(dead.dlq_offset),
                    "--wait",
                    "30",
                    "--bootstrap-servers",
                    servers.kafka,
                ],
            )
        (replayed,) = [json.loads(x) for x in out.getvalue().splitlines()]
        assert replayed["processed"] is False, replayed
        read = await intake.get(f"/v1/cases/{case_id}", params={"reason": "dlq"}, headers=BUSINESS)
        assert [x["service"] for x in read.json()["not_processed"]] == [downstream.group] * len(
            read.json()["not_processed"]
        )
        assert read.json()["not_processed"], "the failure must stay shown"
    finally:
        await asyncio.to_thread(downstream.loop.stop)
        downstream.producer.close()

"""``sprg dlq``: an operator lists a dead letter and replays it to its topic, on the real broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from sprg_cli.main import main
from sprg_shared import topics
from sprg_shared.bus import Producer
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope, envelope_for
from sprg_shared.metrics import bus_metrics
from tests.integration.kafka_helpers import create_topic, read_until
from tests.servers import Servers


def test_a_dead_letter_is_listed_without_its_payload_and_replayed_under_its_event_id(
    servers: Servers, run_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = f"t{run_id}.replay"
    create_topic(servers.kafka, topic)
    original = Envelope(
        id=f"event-{run_id}",
        source="sprg/test",
        type="sprg.test.replayed.v1",
        subject=f"case-{run_id}",
        time=datetime.now(UTC),
        traceparent="00-" + "c" * 32 + "-" + "d" * 16 + "-01",
        data={"secret_looking": f"payload-{run_id}"},
    )
    letter = MessageDeadLettered(
        consumer_group=f"group-{run_id}",
        topic=topic,
        partition=0,
        offset=7,
        key=original.subject,
        value=original.to_bytes().decode(),
        reason=f"handler failed 5 times ({run_id})",
        attempts=5,
    )
    producer = Producer(servers.kafka, "test-dlq", bus_metrics(CollectorRegistry(), "test"))
    try:
        producer.send_sync(topics.DLQ, envelope_for(letter, source="sprg/test"))
    finally:
        producer.close()

    assert main(["dlq", "list", "--bootstrap-servers", servers.kafka]) == 0
    listed = capsys.readouterr().out
    assert f"payload-{run_id}" not in listed  # the payload is never printed
    mine = [json.loads(x) for x in listed.splitlines() if run_id in x]
    assert len(mine) == 1
    assert mine[0]["event_id"] == original.id
    assert mine[0]["consumer_group"] == f"group-{run_id}"
    assert mine[0]["reason"] == f"handler failed 5 times ({run_id})"
    assert mine[0]["key"] == original.subject
    assert datetime.fromisoformat(mine[0]["dead_lettered_at"]) <= datetime.now(UTC)

    # --group keeps one consumer group's dead letters only.
    assert (
        main(["dlq", "list", "--group", f"group-{run_id}", "--bootstrap-servers", servers.kafka])
        == 0
    )
    only = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [d["event_id"] for d in only] == [original.id]

    assert (
        main(["dlq", "replay", "--group", f"group-{run_id}", "--bootstrap-servers", servers.kafka])
        == 0
    )
    replayed = read_until(servers.kafka, topic, lambda seen: any(e.id == original.id for e in seen))
    assert [e for e in replayed if e.id == original.id] == [original]

    capsys.readouterr()
    assert (
        main(["dlq", "replay", "--group", f"nobody-{run_id}", "--bootstrap-servers", servers.kafka])
        == 2
    )

"""The broker takes only authenticated clients on its SCRAM listener; the bus authenticates.

``make run`` puts SASL/SCRAM-SHA-512 on the broker's client port; the tests' broker keeps its
client port PLAINTEXT (for the ~400 other tests) and opens the same SCRAM listener on an
extra port (SPRG_KAFKA_SASL_PORT): these tests use that one.
"""

from __future__ import annotations

import stat
import time

import pytest
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry

from sprg_shared.bus import Producer
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope, envelope_for
from sprg_shared.kafka_security import kafka_security
from sprg_shared.metrics import bus_metrics
from tests.keycloak import read_secrets
from tests.servers import Servers

pytestmark = pytest.mark.integration


@pytest.fixture
def scram(servers: Servers, monkeypatch: pytest.MonkeyPatch) -> str:
    """The SCRAM listener, with this process's Kafka client settings pointing at it."""
    if not servers.kafka_sasl or servers.secrets_file is None:
        pytest.fail(f"this run's broker ({servers.how}) has no SCRAM listener")
    password = read_secrets(servers.secrets_file)["SPRG_KAFKA_PASSWORD"]
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "sprg")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", password)
    return servers.kafka_sasl


def test_the_bus_publishes_and_reads_with_scram_credentials(scram: str, run_id: str) -> None:
    topic = f"t{run_id}-sasl"
    admin = KafkaAdminClient(bootstrap_servers=scram, client_id="t-sasl", **kafka_security())
    try:
        admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        admin.close()
    event = MessageDeadLettered(
        consumer_group="g",
        topic="x",
        partition=0,
        offset=1,
        key=None,
        value="v",
        reason="sasl check",
        attempts=1,
    )
    sent = envelope_for(event, source="sprg/test")
    producer = Producer(scram, f"t-{run_id}", bus_metrics(CollectorRegistry(), "t"))
    try:
        producer.send_sync(topic, sent)
    finally:
        producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=scram,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        **kafka_security(),
    )
    received: list[Envelope] = []
    deadline = time.monotonic() + 30
    try:
        while not received and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                received.extend(Envelope.from_bytes(r.value) for r in records)
    finally:
        consumer.close()
    assert [e.id for e in received] == [sent.id]


def test_a_wrong_password_or_no_credentials_get_nothing(
    scram: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "not-the-password")
    with pytest.raises(KafkaError):
        KafkaAdminClient(
            bootstrap_servers=scram, request_timeout_ms=5000, **kafka_security()
        ).list_topics()
    with pytest.raises(KafkaError):
        KafkaAdminClient(
            bootstrap_servers=scram, request_timeout_ms=5000, security_protocol="PLAINTEXT"
        ).list_topics()


def test_the_broker_and_identity_provider_data_are_not_world_readable(servers: Servers) -> None:
    if servers.secrets_file is None:
        pytest.fail(f"no local data directory in this run ({servers.how})")
    data = servers.secrets_file.parent / "data"
    for name in ("kafka", "keycloak"):
        mode = stat.S_IMODE((data / name).stat().st_mode)
        assert mode & 0o077 == 0, f"{data / name} is mode {oct(mode)}"
    segments = [p for p in (data / "kafka").rglob("*.log") if p.is_file()]
    assert segments
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in segments)
    secrets_mode = stat.S_IMODE(servers.secrets_file.stat().st_mode)
    assert secrets_mode & 0o077 == 0

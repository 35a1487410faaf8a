"""The topics on the real broker keep what the code declares: the event log forever."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from sprg_shared import topics
from sprg_shared.topics import TOPICS, ensure_topics
from tests.servers import Servers

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(servers: Servers) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=servers.kafka, client_id="test-topics")
    yield client
    client.close()


def configured(admin: KafkaAdminClient, topic: str) -> dict[str, str]:
    found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    return {key: entry["value"] for key, entry in found["topic"][topic].items()}


def test_a_topic_created_with_the_brokers_week_is_given_the_declared_retention(
    servers: Servers, admin: KafkaAdminClient
) -> None:
    # A broker set up before retention was declared: its reports topic drops events after 7 days.
    week = str(7 * 24 * 3600 * 1000)
    admin.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, topics.REPORTS, configs={"retention.ms": week})]
    )
    assert configured(admin, topics.REPORTS)["retention.ms"] == week

    assert ensure_topics(servers.kafka) == []  # nothing to create ...

    for spec in TOPICS:  # ... and every topic as declared: the event log kept for rebuilds
        found = configured(admin, spec.name)
        assert {key: found[key] for key in spec.config} == spec.config, spec.name
    assert configured(admin, topics.INTAKE)["retention.ms"] == "-1"
    assert configured(admin, topics.DLQ)["retention.ms"] == str(90 * 24 * 3600 * 1000)

"""The bus's topics, and a command that creates them (``python -m sprg_shared.topics``)."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

INTAKE = "sprg.intake"
DECISIONS = "sprg.decisions"
CLOCKS = "sprg.clocks"
NOTIFICATIONS = "sprg.notifications"
REPORTS = "sprg.reports"
RULEPACKS = "sprg.rulepacks"
DLQ = "sprg.dlq"
CALENDAR = "sprg.calendar"

__all__ = [
    "CALENDAR",
    "CLOCKS",
    "DECISIONS",
    "DLQ",
    "INTAKE",
    "KEEP_FOREVER",
    "NOTIFICATIONS",
    "REPORTS",
    "RULEPACKS",
    "TOPICS",
    "TopicSpec",
    "ensure_topics",
    "main",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    """A topic: how the broker keeps it, who writes it (its contract module's owner,
    ``sprg_shared.contracts``) and who reads it (the README's map is generated from this)."""

    name: str
    partitions: int = 3
    config: dict[str, str] = field(default_factory=dict)
    contract: str = ""
    producer: str = ""
    consumers: tuple[str, ...] = ()


# The event log is the record: read models and reports are rebuilt from the start of
# these topics (``sprg reporting rebuild``), so they keep every event (the broker's
# default would drop them after 7 days).
KEEP_FOREVER = {"retention.ms": "-1"}

TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        INTAKE,
        config=KEEP_FOREVER,
        contract="intake",
        producer="intake",
        consumers=("rules", "scheduler", "notifier", "reporting"),
    ),
    TopicSpec(
        DECISIONS,
        config=KEEP_FOREVER,
        contract="decisions",
        producer="rules",
        consumers=("scheduler", "notifier", "reporting"),
    ),
    TopicSpec(
        CLOCKS,
        config=KEEP_FOREVER,
        contract="clocks",
        producer="scheduler",
        consumers=("notifier", "reporting"),
    ),
    TopicSpec(
        NOTIFICATIONS,
        config=KEEP_FOREVER,
        contract="notifications",
        producer="notifier",
        consumers=("reporting",),
    ),
    TopicSpec(
        REPORTS,
        partitions=1,
        config=KEEP_FOREVER,
        contract="reports",
        producer="reporting",
        consumers=("notifier",),
    ),
    # The active rule pack per pack id: only the latest record per key matters.
    TopicSpec(
        RULEPACKS,
        partitions=1,
        config={"cleanup.policy": "compact"},
        contract="rulepacks",
        producer="rules",
        consumers=("rules",),
    ),
    TopicSpec(
        DLQ,
        partitions=1,
        config={"retention.ms": str(90 * 24 * 3600 * 1000)},
        contract="dead_letters",
        producer="every consumer",
        consumers=("intake", "cli"),
    ),
    # The working-day calendar in force (closure days): only the latest version matters.
    TopicSpec(
        CALENDAR,
        partitions=1,
        config={"cleanup.policy": "compact"},
        contract="calendar",
        producer="scheduler",
        consumers=("rules",),
    ),
)


def ensure_topics(bootstrap_servers: str, replication_factor: int = 1) -> list[str]:
    """Create every missing topic and give existing ones the configuration declared here
    (a topic created before a setting was declared gets it); returns the names created.
    Safe to run again."""
    # Only this command needs the admin client.
    from kafka.admin import (  # noqa: PLC0415
        ConfigResource,
        ConfigResourceType,
        KafkaAdminClient,
        NewTopic,
    )

    from sprg_shared.kafka_security import kafka_security  # noqa: PLC0415

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id="sprg-topics", **kafka_security()
    )
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(t.name, t.partitions, replication_factor, topic_configs=t.config)
            for t in TOPICS
            if t.name not in existing
        ]
        if missing:
            admin.create_topics(missing)
        present = [t for t in TOPICS if t.name in existing and t.config]
        if present:
            admin.alter_configs(
                [
                    ConfigResource(ConfigResourceType.TOPIC, t.name, configs=t.config)
                    for t in present
                ]
            )
        return [t.name for t in missing]
    finally:
        admin.close()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    created = ensure_topics(servers)
    log.info("topics created: %s", ", ".join(created) if created else "none (all present)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

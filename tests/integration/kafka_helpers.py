"""Small helpers for integration tests on the real broker."""

from __future__ import annotations

import time
from collections.abc import Callable

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic

from sprg_shared.envelope import Envelope


def create_topic(bootstrap: str, name: str, partitions: int = 1) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        admin.close()


def read_until(
    bootstrap: str,
    topic: str,
    found: Callable[[list[Envelope]], bool],
    deadline_seconds: float = 30,
) -> list[Envelope]:
    """Every envelope on ``topic`` from the start, until ``found`` holds or the deadline passes."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    seen: list[Envelope] = []
    deadline = time.monotonic() + deadline_seconds
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                seen.extend(Envelope.from_bytes(r.value) for r in records)
            if found(seen):
                return seen
    finally:
        consumer.close()
    raise AssertionError(
        f"condition not met on {topic} within {deadline_seconds}s; saw {len(seen)} messages"
    )

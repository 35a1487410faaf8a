"""Small helpers for integration tests on the real broker."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.structs import OffsetAndMetadata, TopicPartition

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


def start_group_at_end(bootstrap: str, group: str, topics: Iterable[str]) -> None:
    """Commit ``group``'s offsets at the current end of each partition of ``topics``.

    The session shares one broker: by the time a test starts a service under a new group,
    earlier tests have left thousands of events on the shared topics, and a group that starts
    from the beginning works through all of them before it reaches the test's own. A test
    about what happens from now on starts its group at the end, as an operator positions a
    new group (``kafka-consumer-groups --reset-offsets --to-latest``).
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
    finally:
        consumer.close()


def wait_until_handled(
    bootstrap: str, group: str, topics: Iterable[str], deadline_seconds: float = 90
) -> None:
    """Until ``group`` has committed every partition of ``topics`` up to its current end.

    A service commits a poll only after handling all of it (commit after effect), and it
    handles records of different keys at once, so the order of their effects is not the
    order on the partition: the committed offset, not the last effect seen, says that
    everything sent so far was handled."""
    # A consumer under the group's id that never subscribes: it asks for the group's
    # committed offsets and does not join the group.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + deadline_seconds
        while True:
            behind = {
                tp: end
                for tp, end in ends.items()
                if end > 0 and (consumer.committed(tp) or 0) < end
            }
            if not behind:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{group} has not handled up to {behind}")
            time.sleep(0.25)
    finally:
        consumer.close()

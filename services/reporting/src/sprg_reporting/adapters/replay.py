"""Read topics from their start to their current end, outside any consumer group (for a rebuild)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from sprg_shared.envelope import Envelope
from sprg_shared.kafka_security import kafka_security


def read_all(
    bootstrap_servers: str, topic_names: Sequence[str], timeout: float = 60.0
) -> list[Envelope]:
    """Every readable envelope now on ``topic_names``, each partition in its order.

    ``timeout`` bounds a stall (no record read for that long), not the whole read: a log
    of a million events takes longer than a minute to read, and is not stuck for it.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        client_id="sprg-reporting-rebuild",
        **kafka_security(),
    )
    try:
        consumer.topics()  # fetches the cluster's metadata; partitions_for_topic reads it
        partitions = [
            TopicPartition(topic, p)
            for topic in topic_names
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends: dict[TopicPartition, int] = consumer.end_offsets(partitions)
        found: dict[TopicPartition, list[Envelope]] = {tp: [] for tp in partitions}
        starts: dict[TopicPartition, int] = consumer.beginning_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > starts[tp]}
        deadline = time.monotonic() + timeout
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(f"replay did not reach the end of {sorted(map(str, remaining))}")
            polled = consumer.poll(timeout_ms=500)
            if polled:
                deadline = time.monotonic() + timeout
            for tp, records in polled.items():
                for record in records:
                    if record.offset < ends[tp]:
                        try:
                            found[tp].append(Envelope.from_bytes(record.value))
                        except ValueError:
                            continue  # unreadable: the live consumer dead-lettered it
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
                    consumer.pause(tp)
        return [e for tp in partitions for e in found[tp]]
    finally:
        consumer.close()

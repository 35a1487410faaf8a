"""A compacted topic read as reference data: replayed from its start, then followed.

Each replica holds the topic's content in memory (the rules' active packs, the confirmed
calendar): a thread reads every partition from the beginning without a consumer group,
hands each record to the owner, and sets ``caught_up`` once it has read to the end it
found, so a replica can say it is ready only when it knows what is in force. A topic not
created yet counts as empty (caught up) and is looked for again; a lost broker is
reconnected to and the topic replayed again (the owners' ``apply`` is idempotent).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import TopicPartition

from sprg_shared.kafka_security import kafka_security

__all__ = ["CompactedTopic"]

log = logging.getLogger(__name__)


class CompactedTopic:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        read: Callable[[bytes, int], None],
        *,
        name: str,
        poll_ms: int = 500,
    ) -> None:
        """``read(value, offset)`` is called for each record, in order per partition."""
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._read = read
        self._name = name
        self._poll_ms = poll_ms
        self._stop = threading.Event()
        self.caught_up = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except KafkaError:
                log.exception("lost the broker; reconnecting", extra={"reader": self._name})
                self._stop.wait(2)

    def _follow(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=None,
            enable_auto_commit=False,
            **kafka_security(),
        )
        try:
            found = consumer.partitions_for_topic(self._topic)
            if not found:  # not created yet: empty for now, look again later
                self.caught_up.set()
                self._stop.wait(self._poll_ms / 1000 * 10)
                return
            partitions = [TopicPartition(self._topic, p) for p in sorted(found)]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            while not self._stop.is_set():
                for records in consumer.poll(timeout_ms=self._poll_ms).values():
                    for record in records:
                        self._read(record.value, record.offset)
                if all(consumer.position(tp) >= end[tp] for tp in partitions):
                    self.caught_up.set()
        finally:
            consumer.close(autocommit=False)

"""Read topics from their start to their current end, outside any consumer group (for a rebuild).

kafka-python fetches and decodes record batches in Python, one thread: at a million
events that was over half a rebuild (bench/README.md, "Reporting rebuild"). So each
partition is read by a worker process of its own (``workers`` at a time), which hands back
the records' raw values; this process parses each envelope once, in partition order,
while the workers go on reading the next partitions.

The envelopes are yielded, not gathered: the rebuild folds each as it comes, so what it
holds is its read models and the partitions being read, not the whole log (a million
parsed envelopes held before the fold took the rebuild to 9.9 GB).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from sprg_shared.envelope import Envelope
from sprg_shared.kafka_security import kafka_security

# Bigger fetches than kafka-python's defaults (1 MiB a partition, 50 MiB in all): fewer
# round trips for a read that wants everything.
_FETCH_BYTES = 16 * 1024 * 1024


def envelopes(
    bootstrap_servers: str,
    topic_names: Sequence[str],
    timeout: float = 60.0,
    workers: int | None = None,
) -> Iterator[Envelope]:
    """Every readable envelope now on ``topic_names``, each partition in its order, as
    they are read.

    ``timeout`` bounds a stall (no record read for that long), not the whole read: a log
    of a million events takes longer than a minute to read, and is not stuck for it.
    ``workers``: processes reading partitions at once (default: the CPUs, at most 4;
    1 reads in this process).
    """
    for values in read_values(bootstrap_servers, topic_names, timeout, workers):
        for value in values:
            try:
                yield Envelope.from_bytes(value)
            except ValueError:
                continue  # unreadable: the live consumer dead-lettered it


def read_values(
    bootstrap_servers: str,
    topic_names: Sequence[str],
    timeout: float = 60.0,
    workers: int | None = None,
) -> Iterator[list[bytes]]:
    """The raw values of every partition of ``topic_names``, one list per partition, in
    the order of the topics and then of their partitions. At most ``workers`` partitions
    are read ahead of the one the caller holds."""
    partitions = _partitions(bootstrap_servers, topic_names)
    if workers is None:
        workers = min(4, os.cpu_count() or 1)
    workers = min(workers, len(partitions))
    if workers <= 1:
        for tp in partitions:
            yield _read_partition(bootstrap_servers, tp.topic, tp.partition, timeout)
        return
    # spawn, not fork: this process has kafka-python's and the store client's threads.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        waiting = iter(partitions)
        reading: deque[Future[list[bytes]]] = deque()

        def read_next() -> None:
            tp = next(waiting, None)
            if tp is not None:
                reading.append(
                    pool.submit(_read_partition, bootstrap_servers, tp.topic, tp.partition, timeout)
                )

        for _ in range(workers):
            read_next()
        while reading:
            values = reading.popleft().result()
            read_next()
            yield values
            del values


def _partitions(bootstrap_servers: str, topic_names: Sequence[str]) -> list[TopicPartition]:
    consumer = _consumer(bootstrap_servers)
    try:
        consumer.topics()  # fetches the cluster's metadata; partitions_for_topic reads it
        return [
            TopicPartition(topic, p)
            for topic in topic_names
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
    finally:
        consumer.close()


def _consumer(bootstrap_servers: str) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        client_id="sprg-reporting-rebuild",
        max_partition_fetch_bytes=_FETCH_BYTES,
        fetch_max_bytes=_FETCH_BYTES,
        **kafka_security(),
    )


def _read_partition(
    bootstrap_servers: str, topic: str, partition: int, timeout: float
) -> list[bytes]:
    """The values of one partition from its start to its end now (in a worker process)."""
    tp = TopicPartition(topic, partition)
    consumer = _consumer(bootstrap_servers)
    values: list[bytes] = []
    try:
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        end: int = consumer.end_offsets([tp])[tp]
        if end <= consumer.beginning_offsets([tp])[tp]:
            return values
        deadline = time.monotonic() + timeout
        while consumer.position(tp) < end:
            if time.monotonic() > deadline:
                msg = f"replay did not reach the end of {tp}"
                raise TimeoutError(msg)
            polled = consumer.poll(timeout_ms=500, max_records=100_000)
            if polled:
                deadline = time.monotonic() + timeout
            for records in polled.values():
                values.extend(r.value for r in records if r.offset < end and r.value is not None)
        return values
    finally:
        consumer.close()

"""Every replica follows the compacted ``sprg.rulepacks`` topic from its start.

A thread replays every activation and withdrawal into a ``PackSet`` and swaps it in
atomically, so a new pack is live on every replica within a poll interval, without a
restart. A replica is not ready until it has caught up with the topic's end.
"""

from __future__ import annotations

import logging
import threading

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import TopicPartition
from pydantic import ValidationError

from sprg_rules.domain.loader import PackError, parse_pack
from sprg_rules.domain.registry import PackSet
from sprg_shared import topics
from sprg_shared.contracts.rulepacks import RulepackActivated
from sprg_shared.envelope import Envelope, read_event
from sprg_shared.kafka_security import kafka_security

log = logging.getLogger(__name__)


class ActivePacks:
    """The pack set in force now; evaluations read it, the watcher replaces it."""

    def __init__(self, initial: PackSet) -> None:
        self._set = initial
        self._lock = threading.Lock()

    def current(self) -> PackSet:
        with self._lock:
            return self._set

    def apply(self, activation: RulepackActivated, sequence: int) -> None:
        with self._lock:
            if activation.status == "withdrawn":
                self._set = self._set.withdraw(activation.pack_id, activation.version)
                return
            rulepack = parse_pack(activation.text, origin=activation.subject())
            if rulepack.content_hash != activation.hash:
                raise PackError(f"{activation.subject()}: content does not match its hash")
            self._set = self._set.activate(rulepack, sequence)


class PackWatcher:
    def __init__(self, bootstrap_servers: str, packs: ActivePacks, poll_ms: int = 500) -> None:
        self._bootstrap = bootstrap_servers
        self._packs = packs
        self._poll_ms = poll_ms
        self._stop = threading.Event()
        self.caught_up = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rulepack-watcher", daemon=True)

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
                log.exception("rule pack watcher lost the broker; reconnecting")
                self._stop.wait(2)

    def _follow(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=None,
            enable_auto_commit=False,
            **kafka_security(),
        )
        try:
            partitions = [
                TopicPartition(topics.RULEPACKS, p)
                for p in sorted(consumer.partitions_for_topic(topics.RULEPACKS) or {0})
            ]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            while not self._stop.is_set():
                for records in consumer.poll(timeout_ms=self._poll_ms).values():
                    for record in records:
                        self._apply(record.value, record.offset)
                if all(consumer.position(tp) >= end[tp] for tp in partitions):
                    self.caught_up.set()
        finally:
            consumer.close(autocommit=False)

    def _apply(self, raw: bytes, offset: int) -> None:
        try:
            event = read_event(Envelope.from_bytes(raw))
            if not isinstance(event, RulepackActivated):
                return
            self._packs.apply(event, offset)
        except (ValidationError, PackError, ValueError) as exc:
            # Packs are validated and tested before activation; one that still fails here
            # leaves the pack set as it was, and says so loudly.
            log.error(  # noqa: TRY400 - expected bad data, not a crash
                "ignored an unusable rule pack activation",
                extra={"offset": offset, "error": str(exc)},
            )
            return
        log.info(
            "rule pack applied",
            extra={"pack": event.subject(), "status": event.status, "offset": offset},
        )

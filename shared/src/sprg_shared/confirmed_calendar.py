"""The calendar version the scheduler confirmed, followed from the compacted ``sprg.calendar``.

Who owns what: the scheduler owns the working-day calendar (closure days are proposed,
reviewed with the clocks they would move, and confirmed there: a version and the
recalculation of the clocks it moves are one decision, and only the owner of the clocks can
list them). It publishes each version whole (every closure day it holds), keyed
``calendar``. The rules service counts the statutory due dates it decides, so it reads that
version as reference data, here: a replayed compacted topic, never a request to the
scheduler and never an event about a clock. Until a version is read it is bank holidays
only. A thread replays the topic from its start and swaps the calendar in atomically.
"""

from __future__ import annotations

import logging
import threading

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import TopicPartition
from pydantic import ValidationError

from sprg_shared import topics
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.calendar import CalendarVersioned
from sprg_shared.envelope import Envelope, read_event
from sprg_shared.kafka_security import kafka_security

__all__ = ["ConfirmedCalendar"]

log = logging.getLogger(__name__)


class ConfirmedCalendar:
    def __init__(
        self, bootstrap_servers: str, topic: str = topics.CALENDAR, poll_ms: int = 500
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._poll_ms = poll_ms
        self._calendar = WorkingDayCalendar()
        self._number = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.caught_up = threading.Event()
        self._thread = threading.Thread(target=self._run, name="confirmed-calendar", daemon=True)

    def current(self) -> WorkingDayCalendar:
        with self._lock:
            return self._calendar

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def apply(self, version: CalendarVersioned) -> None:
        """Put ``version`` in force unless a later one is (a replay never goes back)."""
        with self._lock:
            if version.number < self._number:
                return
            self._number = version.number
            self._calendar = WorkingDayCalendar.numbered(
                version.number, frozenset(c.date for c in version.closures)
            )
        log.info("calendar version in force", extra={"version": version.version})

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except KafkaError:
                log.exception("calendar feed lost the broker; reconnecting")
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
            if not found:  # not created yet: bank holidays only, look again later
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
                        self._read(record.value)
                if all(consumer.position(tp) >= end[tp] for tp in partitions):
                    self.caught_up.set()
        finally:
            consumer.close(autocommit=False)

    def _read(self, raw: bytes) -> None:
        try:
            event = read_event(Envelope.from_bytes(raw))
        except (ValidationError, ValueError) as exc:
            log.error("ignored an unreadable calendar version", extra={"error": str(exc)})  # noqa: TRY400
            return
        if isinstance(event, CalendarVersioned):
            self.apply(event)

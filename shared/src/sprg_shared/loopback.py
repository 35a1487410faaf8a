"""The bus in one process, for unit tests: what ``bus.Producer`` and ``bus.ConsumerLoop`` do on
Kafka, without a broker (in the spirit of faststream's ``TestKafkaBroker``).

``publish`` appends the message to its topic exactly as the producer sends it (key = the
envelope's subject, headers ``ce_id``, ``ce_type`` and ``traceparent``, value = the envelope's
bytes); ``drain()`` then hands every message, in order, to each consumer group subscribed to
its topic, as the consumer loop would: the envelope read back from the bytes (unreadable:
dead-lettered), skipped when the group's ledger says it was applied, else dispatched by the
group's ``Router`` and marked applied. A ``PermanentError`` is dead-lettered at once; a
transient infrastructure error is retried (without a limit on Kafka; here up to
``transient_limit`` times, so a broken test fails rather than hangs); any other failure is
retried ``max_attempts`` times and then dead-lettered on ``sprg.dlq`` with the same reason
text as on Kafka, and delivery goes on.

Nothing runs in the background: a test publishes, awaits ``drain()``, then looks. The
Kafka-only parts (partitions, lag, rebalancing, start-at times) are not imitated.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from sprg_shared import topics, tracing
from sprg_shared.bus import TRANSIENT_ERRORS, PermanentError, Router, _first_error
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope, EventData, envelope_for, read_event
from sprg_shared.metrics import BusMetrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Record:
    """One message on a topic, as a Kafka consumer would receive it (one partition: 0)."""

    topic: str
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    partition: int = 0


class MemoryLedger:
    """``store.AppliedLedger`` in memory: the event ids a consumer group has applied."""

    def __init__(self) -> None:
        self.applied: dict[str, str] = {}

    async def seen(self, event_id: str) -> bool:
        return event_id in self.applied

    async def mark(self, event_id: str, event_type: str) -> None:
        self.applied.setdefault(event_id, event_type)


@dataclass
class Subscription:
    """One consumer group: its topics, router, ledger and position on each topic."""

    group: str
    topic_names: tuple[str, ...]
    router: Router
    ledger: MemoryLedger
    source: str
    max_attempts: int
    positions: dict[str, int] = field(default_factory=dict)

    def alive(self) -> bool:
        return True

    def stop(self, timeout: float = 0.0) -> None:
        """Nothing runs in the background; kept for the consumer loop's interface."""


class DrainDidNotSettle(RuntimeError):
    """Handlers kept publishing (or an outage never ended) past the limit: a loop in the test."""


class LoopbackBus:
    """Topics as lists in memory; a producer's interface (``publish``, ``send_sync``, ``warm``,
    ``reachable``, ``close``) and the runtime's ``consume(group, topics, router)``."""

    def __init__(
        self,
        *,
        max_attempts: int = 5,
        transient_limit: int = 100,
        metrics: BusMetrics | None = None,
    ) -> None:
        self.topics: dict[str, list[Record]] = {}
        self.subscriptions: list[Subscription] = []
        self._max_attempts = max_attempts
        self._transient_limit = transient_limit
        self._metrics = metrics

    # -- producing ------------------------------------------------------------------

    def _append(
        self,
        topic: str,
        value: bytes,
        key: bytes | None,
        headers: tuple[tuple[str, bytes], ...],
    ) -> Record:
        log_ = self.topics.setdefault(topic, [])
        record = Record(topic=topic, offset=len(log_), key=key, value=value, headers=headers)
        log_.append(record)
        if self._metrics is not None:
            self._metrics.produced.labels(topic=topic).inc()
        return record

    def send_sync(self, topic: str, envelope: Envelope, timeout: float = 30.0) -> None:
        headers = [("ce_id", envelope.id.encode()), ("ce_type", envelope.type.encode())]
        if envelope.traceparent:
            headers.append(("traceparent", envelope.traceparent.encode()))
        self._append(topic, envelope.to_bytes(), envelope.subject.encode(), tuple(headers))

    async def publish(self, topic: str, envelope: Envelope) -> None:
        self.send_sync(topic, envelope)

    def send_raw(self, topic: str, value: bytes, key: bytes | None = None) -> Record:
        """A message no producer of ours would send (tests of the dead-letter path)."""
        return self._append(topic, value, key, ())

    def warm(self, *topic_names: str) -> None:
        """Nothing to fetch."""

    def reachable(self, timeout: float = 1.0) -> bool:
        return True

    def close(self) -> None:
        """Nothing to close."""

    # -- consuming ------------------------------------------------------------------

    def consume(
        self,
        group: str,
        topic_names: Sequence[str],
        router: Router,
        *,
        source: str = "sprg/loopback",
        ledger: MemoryLedger | None = None,
        max_attempts: int | None = None,
    ) -> Subscription:
        """A consumer group from the beginning of its topics (``auto_offset_reset=earliest``).

        Two calls with the same group share one ledger, as the members of a group share the
        store's ``applied_events``; each call still reads every message (no partitions to
        split), which is what a redelivery after a rebalance looks like.
        """
        shared = next((s.ledger for s in self.subscriptions if s.group == group), None)
        subscription = Subscription(
            group=group,
            topic_names=tuple(topic_names),
            router=router,
            ledger=ledger or shared or MemoryLedger(),
            source=source,
            max_attempts=max_attempts or self._max_attempts,
        )
        self.subscriptions.append(subscription)
        return subscription

    async def drain(self, max_messages: int = 100_000) -> int:
        """Deliver until every group has read every message of its topics; returns how many
        deliveries were made (a message to two groups counts twice)."""
        delivered = 0
        progress = True
        while progress:
            progress = False
            for subscription in list(self.subscriptions):
                for topic in subscription.topic_names:
                    records = self.topics.get(topic, [])
                    at = subscription.positions.get(topic, 0)
                    while at < len(records):
                        await self._process(subscription, records[at])
                        at += 1
                        subscription.positions[topic] = at
                        delivered += 1
                        progress = True
                        if delivered > max_messages:
                            raise DrainDidNotSettle(f"more than {max_messages} deliveries")
        return delivered

    async def _process(self, subscription: Subscription, record: Record) -> None:
        try:
            envelope = Envelope.from_bytes(record.value)
        except ValidationError as exc:
            self._dead_letter(subscription, record, f"unreadable envelope: {_first_error(exc)}", 1)
            return
        if not subscription.router.handles(envelope):
            self._count(record.topic, "ignored")
            return
        with (
            tracing.span(f"consume {record.topic}", envelope.traceparent, "consumer") as parent,
            tracing.traced(parent),
        ):
            await self._handle(subscription, record, envelope)

    async def _handle(self, subscription: Subscription, record: Record, envelope: Envelope) -> None:
        attempt = transient = 0
        while True:
            attempt += 1
            try:
                if await subscription.ledger.seen(envelope.id):
                    self._count(record.topic, "duplicate")
                    return
                await subscription.router.dispatch(envelope)
                await subscription.ledger.mark(envelope.id, envelope.type)
            except PermanentError as exc:
                self._dead_letter(subscription, record, str(exc), attempt)
                return
            except TRANSIENT_ERRORS as exc:
                transient += 1
                if transient > self._transient_limit:
                    raise DrainDidNotSettle(f"outage did not end: {exc!r}") from exc
                attempt = min(attempt, subscription.max_attempts - 1)
                continue
            except Exception as exc:  # noqa: BLE001 - as the consumer loop: retry, then dead-letter
                if attempt >= subscription.max_attempts:
                    reason = f"handler failed {attempt} times: {exc!r}"
                    self._dead_letter(subscription, record, reason, attempt)
                    return
                log.warning("handler failed; will retry", extra={"error": repr(exc)})
                continue
            self._count(record.topic, "applied")
            return

    def _count(self, topic: str, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.consumed.labels(topic=topic, outcome=outcome).inc()

    def _dead_letter(
        self, subscription: Subscription, record: Record, reason: str, attempts: int
    ) -> None:
        event = MessageDeadLettered(
            consumer_group=subscription.group,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key else None,
            value=record.value.decode("utf-8", "replace"),
            reason=reason,
            attempts=attempts,
        )
        log.error("dead-lettered a message", extra={"topic": record.topic, "reason": reason})
        self.send_sync(topics.DLQ, envelope_for(event, source=subscription.source))
        if self._metrics is not None:
            self._metrics.dead_lettered.labels(topic=record.topic).inc()
        self._count(record.topic, "dead_lettered")

    # -- looking ----------------------------------------------------------------------

    def envelopes(self, topic: str) -> list[Envelope]:
        """Every readable envelope published on ``topic``, in order."""
        found = []
        for record in self.topics.get(topic, []):
            try:
                found.append(Envelope.from_bytes(record.value))
            except ValidationError:
                continue
        return found

    def events(self, topic: str) -> list[EventData]:
        return [read_event(e) for e in self.envelopes(topic)]

    def dead_letters(self) -> list[MessageDeadLettered]:
        return [MessageDeadLettered.model_validate(e.data) for e in self.envelopes(topics.DLQ)]


__all__ = ["DrainDidNotSettle", "LoopbackBus", "MemoryLedger", "Record", "Subscription"]

"""The bus on kafka-python: an idempotent producer and a consumer loop that never loses or repeats.

kafka-python has no asyncio API: the producer's blocking calls run in a worker thread
(``asyncio.to_thread``) and each consumer polls in its own thread, handing each poll's
records to the service's event loop (records of one key in order, different keys
concurrently) and committing the poll's offsets only after every effect is stored.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError, RetriableError
from kafka.structs import OffsetAndMetadata, TopicPartition
from pydantic import ValidationError
from pymongo.errors import AutoReconnect, ConnectionFailure, ExecutionTimeout

from sprg_shared import topics, tracing
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope, EventData, UnknownEventType, envelope_for, read_event
from sprg_shared.kafka_security import kafka_security
from sprg_shared.metrics import BusMetrics
from sprg_shared.store import AppliedLedger

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]

# Infrastructure that is down for a while: retry without limit, never dead-letter for it.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    AutoReconnect,
    ExecutionTimeout,
    RetriableError,
)


# A member that dies without leaving (SIGKILL, OOM, a lost node) keeps its partitions
# until the group coordinator stops hearing its heartbeats. kafka-python 3's default,
# 45 s, was most of a restarted service's catch-up in the crash benchmark (the new
# member waited 40 s for the dead one to be dropped; bench/README.md). 10 s, the Java
# client's long-standing default, with a heartbeat every 3 s from kafka-python's own
# thread (not the event loop, so a long handler does not miss one).
SESSION_TIMEOUT_MS = 10_000
HEARTBEAT_INTERVAL_MS = 3_000


class PermanentError(Exception):
    """The message can never be handled as it is (bad data): dead-letter it at once."""


class Producer:
    """Idempotent, ``acks=all``. Thread-safe (kafka-python's producer is)."""

    def __init__(self, bootstrap_servers: str, client_id: str, metrics: BusMetrics) -> None:
        self._metrics = metrics
        self._bootstrap = bootstrap_servers
        self._producer = KafkaProducer(
            **kafka_security(),
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            request_timeout_ms=15_000,
            max_block_ms=15_000,
        )
        # Topics this producer has the partitions of: a send to one of them does not wait
        # (kafka-python 3's accumulator never waits for buffer space), so it is handed over
        # on the caller's thread.
        self._known: set[str] = set()

    def _send(self, topic: str, envelope: Envelope) -> Any:
        headers = [("ce_id", envelope.id.encode()), ("ce_type", envelope.type.encode())]
        if envelope.traceparent:
            headers.append(("traceparent", envelope.traceparent.encode()))
        return self._producer.send(
            topic, key=envelope.subject.encode(), value=envelope.to_bytes(), headers=headers
        )

    def send_sync(self, topic: str, envelope: Envelope, timeout: float = 30.0) -> None:
        self._send(topic, envelope).get(timeout=timeout)
        self._metrics.produced.labels(topic=topic).inc()

    async def publish(self, topic: str, envelope: Envelope) -> None:
        """Send, and return once the broker acknowledged (acks=all).

        The first hand-over to a topic runs in a worker thread (it waits for the topic's
        metadata); later ones run on the event loop, where a worker thread's hop cost as
        much CPU as the rest of a scheduler's fired clock (bench/README.md, "Scheduler
        burst"). The wait for the acknowledgement holds no thread, so many publishes can be
        in flight at once and share the producer's batches.
        """
        loop = asyncio.get_running_loop()
        acked: asyncio.Future[None] = loop.create_future()

        def settle(error: BaseException | None) -> None:
            if acked.done():
                return
            if error is None:
                acked.set_result(None)
            else:
                acked.set_exception(error)

        if topic in self._known:
            sent = self._send(topic, envelope)
        else:
            sent = await asyncio.to_thread(self._send, topic, envelope)
            if not sent.failed():  # failed at once: the metadata could not be fetched
                self._known.add(topic)
        sent.add_callback(lambda _: loop.call_soon_threadsafe(settle, None))
        sent.add_errback(lambda error: loop.call_soon_threadsafe(settle, error))
        await asyncio.wait_for(acked, 30.0)
        self._metrics.produced.labels(topic=topic).inc()

    def warm(self, *topic_names: str) -> None:
        """Fetch the topics' metadata now (blocking), so the first publish does not wait."""
        for name in topic_names:
            self._producer.partitions_for(name)
            self._known.add(name)

    def reachable(self, timeout: float = 1.0) -> bool:
        """Whether a bootstrap broker accepts a connection now.

        (kafka-python 3.0's ``bootstrap_connected()`` is true only while connecting,
        so it cannot serve as a readiness check.)
        """
        return any(_accepts(address, timeout) for address in self._bootstrap.split(","))

    def close(self) -> None:
        self._producer.close(timeout=10)


class Router:
    """Maps event payload types to handlers; types nobody here handles are ignored."""

    def __init__(self) -> None:
        self._routes: dict[str, Callable[[EventData, Envelope], Awaitable[None]]] = {}
        self._observers: dict[str, list[Callable[[EventData], Awaitable[None]]]] = {}

    def on(
        self, model: type[EventData], handler: Callable[[Any, Envelope], Awaitable[None]]
    ) -> None:
        self._routes[model.TYPE] = handler

    def observe(
        self, models: Sequence[type[EventData]], observer: Callable[[Any], Awaitable[None]]
    ) -> None:
        """Also run ``observer`` (idempotent) on these events, before their handler if any."""
        for model in models:
            self._observers.setdefault(model.TYPE, []).append(observer)
            self._routes.setdefault(model.TYPE, _nothing)

    def handles(self, envelope: Envelope) -> bool:
        try:
            return read_event(envelope).TYPE in self._routes
        except (UnknownEventType, ValidationError):
            # Unreadable: let dispatch raise, so it is dead-lettered with the reason.
            return envelope.type in self._routes

    async def dispatch(self, envelope: Envelope) -> None:
        try:
            event = read_event(envelope)
        except (UnknownEventType, ValidationError) as exc:
            raise PermanentError(f"unreadable {envelope.type} payload: {exc}") from exc
        for observer in self._observers.get(event.TYPE, ()):
            await observer(event)
        await self._routes[event.TYPE](event, envelope)


async def _nothing(event: EventData, envelope: Envelope) -> None:
    """The handler of an event only observed."""


@dataclass
class _Poll:
    """One poll's bookkeeping: the events the ledger did not hold when it began
    (``unseen``: no need to ask again), and those applied since (id to type), which go
    into the ledger in one write once every record of the poll is done."""

    unseen: set[str]
    applied: dict[str, str] = field(default_factory=dict)


class _Stopping(Exception):
    pass


class ConsumerLoop:
    """One consumer-group member polling in its own thread.

    Each poll's records go to the service's event loop at once: those of one key in
    order, different keys concurrently. For each: parse the envelope (unreadable:
    dead-letter), skip it when the ledger says it was applied, else run the handler and
    mark it applied. Once every record of the poll is done, one commit of the poll's
    offsets. Transient infrastructure errors are retried without limit (nothing is
    committed meanwhile); other failures are retried ``max_attempts`` times and then
    dead-lettered with the reason, once per record, and the loop goes on.
    """

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        topic_names: Sequence[str],
        router: Router,
        ledger: AppliedLedger,
        producer: Producer,
        loop: asyncio.AbstractEventLoop,
        metrics: BusMetrics,
        source: str,
        max_attempts: int = 5,
        backoff_seconds: float = 0.2,
        max_backoff_seconds: float = 10.0,
        start_at: datetime | None = None,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._start_at = start_at
        self._group = group_id
        self._topics = list(topic_names)
        self._router = router
        self._ledger = ledger
        self._producer = producer
        self._loop = loop
        self._metrics = metrics
        for topic in self._topics:
            # Exported at 0 from the start, so the first dead letter is an increase that
            # Prometheus sees (a series born at 1 shows no increase()).
            metrics.dead_lettered.labels(topic=topic)
        self._source = source
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"consumer-{group_id}", daemon=True)
        self._assigned = threading.Event()
        self._committed: dict[TopicPartition, int] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def wait_assigned(self, timeout: float) -> bool:
        """True once the group gave this member its partitions (tests wait on it)."""
        return self._assigned.wait(timeout)

    # -- the thread ---------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._consume()
            except _Stopping:
                return
            except (KafkaError, OSError):
                log.exception("consumer failed; reconnecting", extra={"group": self._group})
                self._stop.wait(self._max_backoff)

    @staticmethod
    def _start_fresh(
        consumer: KafkaConsumer, assigned: set[TopicPartition], start_at: datetime
    ) -> set[TopicPartition]:
        """Partitions this group never committed start at ``start_at``, not at the
        beginning (a new group on an old topic need not replay it all). Returns those moved;
        what was fetched for them before the move is dropped and read again from there."""
        fresh = [tp for tp in assigned if consumer.committed(tp) is None]
        if not fresh:
            return set()
        millis = int(start_at.timestamp() * 1000)
        # The ends first: an event published between the two lookups is then found by
        # offsets_for_times or lies at or after these ends, never skipped. (The other order
        # lost it: no record at the time yet, then an end already past it.)
        ends = consumer.end_offsets(fresh)
        found = consumer.offsets_for_times(dict.fromkeys(fresh, millis))
        for tp in fresh:
            at = found.get(tp)
            consumer.seek(tp, at.offset if at is not None else ends[tp])
        log.info(
            "new group starts at a time",
            extra={"at": start_at.isoformat(), "partitions": len(fresh)},
        )
        return set(fresh)

    def _consume(self) -> None:
        self._committed.clear()
        consumer = KafkaConsumer(
            **kafka_security(),
            bootstrap_servers=self._bootstrap,
            group_id=self._group,
            client_id=f"{self._source}-{self._group}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=50,
            metadata_max_age_ms=30_000,
            session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        )
        # A member that joins the group before it knows the topics' partitions is
        # assigned nothing until the next metadata refresh (5 minutes by default):
        # seen in the e2e run. Fetch the metadata first.
        for topic in self._topics:
            if not consumer.partitions_for_topic(topic):
                log.warning("topic has no partitions yet", extra={"topic": topic})
        consumer.subscribe(self._topics)
        positioned: set[TopicPartition] = set()
        try:
            while not self._stop.is_set():
                batch = consumer.poll(timeout_ms=500)
                assignment = consumer.assignment()
                if assignment:
                    self._assigned.set()
                if self._start_at is not None and assignment - positioned:
                    moved = self._start_fresh(consumer, assignment - positioned, self._start_at)
                    batch = {tp: records for tp, records in batch.items() if tp not in moved}
                positioned = set(assignment)
                for partition, records in batch.items():
                    self._committed.setdefault(partition, records[0].offset)
                self._measure_lag(consumer)
                if not batch:
                    continue
                # Every record of the poll handled (keys concurrently, each key in order),
                # then one commit: a crash before it redelivers the poll, and the ledger
                # and the idempotent handlers make the second delivery change nothing.
                self._run_on_loop(self._process_poll(batch))
                ends = {
                    partition: OffsetAndMetadata(records[-1].offset + 1, "", -1)
                    for partition, records in batch.items()
                }
                consumer.commit(ends)
                for partition, end in ends.items():
                    self._committed[partition] = end.offset
                self._measure_lag(consumer)
        finally:
            consumer.close(autocommit=False)

    def _measure_lag(self, consumer: KafkaConsumer) -> None:
        """Lag per assigned partition: the high watermark the last fetch saw minus what this
        member committed (or the first offset it fetched; its position before it fetched
        anything), so messages fetched but not yet handled still count."""
        for partition in consumer.assignment():
            end = consumer.highwater(partition)
            if end is None:  # no fetch answered for it yet
                continue
            position = self._committed.get(partition)
            if position is None:
                try:
                    position = consumer.position(partition, timeout_ms=1000)
                except KafkaError:
                    continue
            if position is None:
                continue
            self._metrics.lag.labels(
                group=self._group, topic=partition.topic, partition=str(partition.partition)
            ).set(max(0, end - position))

    async def _process_poll(self, batch: dict[TopicPartition, list[Any]]) -> None:
        """Handle one poll's records: those of one key in their order (one key's records
        are on one partition; across topics, in the order the poll gave them), records of
        different keys concurrently on the service's event loop. The ledger is asked once
        for the whole poll which of its events were applied before."""
        by_key: dict[object, list[tuple[Any, Envelope | str]]] = {}
        handled: list[str] = []
        for partition, records in batch.items():
            for record in records:
                key: object = record.key if record.key is not None else partition
                parsed = _parse(record)
                if isinstance(parsed, Envelope) and self._router.handles(parsed):
                    handled.append(parsed.id)
                by_key.setdefault(key, []).append((record, parsed))
        try:
            applied = await self._ledger.seen_among(handled)
            poll = _Poll(unseen=set(handled) - applied)
        except TRANSIENT_ERRORS:
            poll = _Poll(unseen=set())  # ask the ledger record by record, with retries
        await asyncio.gather(*(self._process_in_order(items, poll) for items in by_key.values()))
        await self._mark_applied(poll.applied)

    async def _mark_applied(self, applied: dict[str, str]) -> None:
        """The poll's applied events into the ledger in one write, before the commit. A
        crash before it redelivers the poll, as a crash between a handler and a mark of its
        own did: the handlers are idempotent, so the second run changes nothing."""
        attempt = 0
        while applied:
            attempt += 1
            try:
                await self._ledger.mark_many(applied)
            except TRANSIENT_ERRORS as exc:
                log.warning("cannot mark events applied; will retry", extra={"error": repr(exc)})
                await self._sleep(attempt)
            else:
                return

    async def _process_in_order(self, items: list[tuple[Any, Envelope | str]], poll: _Poll) -> None:
        for record, parsed in items:
            await self._process(record, parsed, poll)

    async def _process(self, record: Any, parsed: Envelope | str, poll: _Poll) -> None:
        topic: str = record.topic
        if isinstance(parsed, str):
            await self._dead_letter(record, None, parsed, 1)
            return
        envelope = parsed
        if not self._router.handles(envelope):
            self._metrics.consumed.labels(topic=topic, outcome="ignored").inc()
            return
        with (
            tracing.span(f"consume {topic}", envelope.traceparent, "consumer") as traceparent,
            tracing.traced(traceparent),
        ):
            await self._handle(record, envelope, poll)

    async def _handle(self, record: Any, envelope: Envelope, poll: _Poll) -> None:
        topic: str = record.topic
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                outcome = await self._apply(envelope, poll)
            except PermanentError as exc:
                await self._dead_letter(record, envelope.id, str(exc), attempt)
                return
            except TRANSIENT_ERRORS as exc:
                log.warning(
                    "transient failure; will retry", extra={"topic": topic, "error": repr(exc)}
                )
                self._metrics.retried.labels(topic=topic).inc()
                await self._sleep(attempt)
                attempt = min(attempt, self._max_attempts - 1)  # never dead-letter an outage
                continue
            except Exception as exc:  # noqa: BLE001 - any other failure: retry, then dead-letter
                if attempt >= self._max_attempts:
                    await self._dead_letter(
                        record, envelope.id, f"handler failed {attempt} times: {exc!r}", attempt
                    )
                    return
                log.warning(
                    "handler failed; will retry", extra={"topic": topic, "error": repr(exc)}
                )
                self._metrics.retried.labels(topic=topic).inc()
                await self._sleep(attempt)
                continue
            elapsed = time.monotonic() - started
            self._metrics.handler_seconds.labels(topic=topic).observe(elapsed)
            self._metrics.consumed.labels(topic=topic, outcome=outcome).inc()
            log.info(
                "event handled",
                extra={
                    "group": self._group,
                    "topic": topic,
                    "event_type": envelope.type,
                    "event_id": envelope.id,
                    "subject": envelope.subject,
                    "outcome": outcome,
                    "seconds": round(elapsed, 4),
                },
            )
            return

    async def _apply(self, envelope: Envelope, poll: _Poll) -> str:
        if envelope.id in poll.applied:  # the same event twice in one poll
            return "duplicate"
        if envelope.id in poll.unseen:
            poll.unseen.discard(envelope.id)
        elif await self._ledger.seen(envelope.id):
            return "duplicate"
        await self._router.dispatch(envelope)
        poll.applied[envelope.id] = envelope.type  # into the ledger once the poll is done
        return "applied"

    def _run_on_loop(self, coro: Coroutine[Any, Any, None]) -> None:
        future: concurrent.futures.Future[None] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        while True:
            try:
                future.result(timeout=1.0)
            except TimeoutError:
                if self._stop.is_set():
                    future.cancel()
                    raise _Stopping from None
            else:
                return

    async def _sleep(self, attempt: int) -> None:
        # A stop cancels the poll's task, and with it this sleep.
        await asyncio.sleep(min(self._max_backoff, self._backoff * 2 ** (attempt - 1)))

    async def _dead_letter(
        self, record: Any, event_id: str | None, reason: str, attempts: int
    ) -> None:
        # This record (same event id at the same offset) was dead-lettered by this group
        # before the crash or rebalance that redelivers it: one dead letter is enough.
        # A replay is a new offset, so a replay that fails again is dead-lettered again.
        where = f"{record.topic}/{record.partition}/{record.offset}/{event_id or '-'}"
        if await self._already_dead_lettered(where):
            self._metrics.consumed.labels(topic=record.topic, outcome="dead_lettered").inc()
            return
        key = record.key.decode("utf-8", "replace") if record.key else None
        event = MessageDeadLettered(
            consumer_group=self._group,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=key,
            value=bytes(record.value or b"").decode("utf-8", "replace"),
            reason=reason,
            attempts=attempts,
        )
        log.error(
            "dead-lettered a message",
            extra={"topic": record.topic, "offset": record.offset, "reason": reason},
        )
        envelope = envelope_for(event, source=self._source)
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._producer.publish(topics.DLQ, envelope)
            except (KafkaError, TimeoutError):
                log.exception("could not dead-letter; retrying")
                await self._sleep(attempt)
                continue
            break
        try:
            await self._ledger.mark_dead_lettered(where)
        except TRANSIENT_ERRORS:
            log.warning("could not note the dead letter; a redelivery may send it again")
        self._metrics.dead_lettered.labels(topic=record.topic).inc()
        self._metrics.consumed.labels(topic=record.topic, outcome="dead_lettered").inc()

    async def _already_dead_lettered(self, where: str) -> bool:
        try:
            return await self._ledger.dead_lettered(where)
        except TRANSIENT_ERRORS:
            return False  # the store is away: better a second dead letter than none


def _parse(record: Any) -> Envelope | str:
    """The record's envelope, or why it cannot be read."""
    try:
        return Envelope.from_bytes(record.value)
    except ValidationError as exc:
        return f"unreadable envelope: {_first_error(exc)}"


def _accepts(address: str, timeout: float) -> bool:
    host, _, port = address.strip().rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "message"
    return f"{where}: {err['msg']}"


__all__ = [
    "TRANSIENT_ERRORS",
    "ConsumerLoop",
    "Handler",
    "PermanentError",
    "Producer",
    "Router",
    "TopicPartition",
]

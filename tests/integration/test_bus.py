"""The bus on the real broker and store: nothing lost, nothing twice, poison dead-lettered."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect

from sprg_shared import topics
from sprg_shared.bus import ConsumerLoop, Producer, Router
from sprg_shared.contracts.clocks import ClockStarted
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope, envelope_for
from sprg_shared.metrics import bus_metrics
from sprg_shared.store import AppliedLedger
from tests.integration.kafka_helpers import create_topic, read_until
from tests.servers import Servers

pytestmark = pytest.mark.integration


def clock(case_id: str) -> ClockStarted:
    return ClockStarted(
        clock_id=f"k-{case_id}",
        case_id=case_id,
        kind="sin_notification",
        anchor="aware_date",
        anchor_date="2026-04-02",
        due="2026-04-13",
        calendar_version="test",
        started_by="e1",
    )


class Harness:
    def __init__(self, servers: Servers, run_id: str, mongo: AsyncMongoClient[Any]) -> None:
        self.servers = servers
        self.topic = f"test.bus.{run_id}"
        self.group = f"test-{run_id}"
        self.db = mongo[f"t{run_id}_bus"]
        self.registry = CollectorRegistry()
        self.metrics = bus_metrics(self.registry, "test")
        self.producer = Producer(servers.kafka, "test", self.metrics)
        create_topic(servers.kafka, self.topic)

    def loop(
        self, router: Router, max_attempts: int = 3, start_at: datetime | None = None
    ) -> ConsumerLoop:
        loop = ConsumerLoop(
            bootstrap_servers=self.servers.kafka,
            group_id=self.group,
            topic_names=[self.topic],
            router=router,
            ledger=AppliedLedger(self.db, self.group),
            producer=self.producer,
            loop=asyncio.get_running_loop(),
            metrics=self.metrics,
            source="sprg/test",
            max_attempts=max_attempts,
            backoff_seconds=0.05,
            max_backoff_seconds=0.2,
            start_at=start_at,
        )
        loop.start()
        return loop

    async def send(self, envelope: Envelope) -> None:
        await self.producer.publish(self.topic, envelope)

    def send_raw(self, value: bytes) -> None:
        raw = KafkaProducer(bootstrap_servers=self.servers.kafka)
        raw.send(self.topic, key=b"poison", value=value).get(timeout=10)
        raw.close()

    async def applied(self, case_id: str) -> int:
        return await self.db["effects"].count_documents({"case_id": case_id})


async def wait_for(predicate: Any, seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while not await predicate():
            await asyncio.sleep(0.1)


@pytest.fixture
def harness(servers: Servers, run_id: str, mongo: AsyncMongoClient[Any]) -> Harness:
    return Harness(servers, run_id, mongo)


def recording_router(harness: Harness, calls: list[str]) -> Router:
    async def handle(event: ClockStarted, envelope: Envelope) -> None:
        calls.append(envelope.id)
        await harness.db["effects"].insert_one({"case_id": event.case_id, "event_id": envelope.id})

    router = Router()
    router.on(ClockStarted, handle)
    return router


async def test_publishes_to_a_known_topic_are_handed_over_without_a_thread_and_all_arrive(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the first publish to a topic waits for its metadata in a worker thread; the
    rest are handed to the producer on the loop, and every one is acknowledged, in order."""
    threads: list[str] = []
    real = asyncio.to_thread

    async def counted(func: Any, /, *args: Any) -> Any:
        threads.append(args[0])
        return await real(func, *args)

    monkeypatch.setattr("sprg_shared.bus.asyncio.to_thread", counted)
    sent = [envelope_for(clock(f"c{i}"), source="sprg/test") for i in range(200)]
    await harness.send(sent[0])
    await asyncio.gather(*(harness.send(e) for e in sent[1:]))
    assert threads == [harness.topic]
    got = await asyncio.to_thread(
        read_until, harness.servers.kafka, harness.topic, lambda found: len(found) >= 200
    )
    assert sorted(e.id for e in got) == sorted(e.id for e in sent)


async def test_a_redelivered_event_is_applied_once(harness: Harness) -> None:
    calls: list[str] = []
    loop = harness.loop(recording_router(harness, calls))
    try:
        envelope = envelope_for(clock("dup"), source="sprg/test", event_id="dup-event")
        await harness.send(envelope)
        await harness.send(envelope)  # the same event delivered twice
        await harness.send(envelope_for(clock("after"), source="sprg/test"))
        await wait_for(lambda: harness.applied("after"))
        assert await harness.applied("dup") == 1
        assert calls.count("dup-event") == 1
        ledger = AppliedLedger(harness.db, harness.group)

        async def marked() -> bool:  # the poll's events go into the ledger before its commit
            return await ledger.seen_among(["dup-event"]) == {"dup-event"}

        await wait_for(marked)
    finally:
        loop.stop()


async def test_marking_a_polls_events_again_changes_nothing(harness: Harness) -> None:
    """A redelivered poll, or another member, marks some of the same events again."""
    ledger = AppliedLedger(harness.db, harness.group)
    await ledger.mark_many({"a": "t", "b": "t"})
    await ledger.mark_many({"b": "t", "c": "t"})
    assert await ledger.seen_among(["a", "b", "c", "d"]) == {"a", "b", "c"}
    assert await harness.db["applied_events"].count_documents({}) == 3


async def test_consumer_lag_counts_what_is_not_yet_handled_and_falls_to_zero(
    harness: Harness,
) -> None:
    release = asyncio.Event()

    async def slow(event: ClockStarted, envelope: Envelope) -> None:
        await release.wait()
        await harness.db["effects"].insert_one({"case_id": event.case_id})

    def lag() -> float | None:
        labels = {"group": harness.group, "topic": harness.topic, "partition": "0"}
        return harness.registry.get_sample_value("sprg_test_consumer_lag", labels)

    router = Router()
    router.on(ClockStarted, slow)
    for n in range(3):
        await harness.send(envelope_for(clock(f"lag-{n}"), source="sprg/test"))
    loop = harness.loop(router)
    try:
        async with asyncio.timeout(30):
            while (lag() or 0) < 3:  # fetched, the first one being handled: 3 behind
                await asyncio.sleep(0.05)
        release.set()
        await wait_for(lambda: harness.applied("lag-2"))
        async with asyncio.timeout(10):
            while lag() != 0:
                await asyncio.sleep(0.05)
    finally:
        release.set()
        loop.stop()


async def test_unreadable_and_failing_messages_are_dead_lettered_and_the_loop_goes_on(
    harness: Harness,
) -> None:
    async def always_fails(event: ClockStarted, envelope: Envelope) -> None:
        if event.case_id == "bad":
            raise ValueError("cannot handle this one")
        await harness.db["effects"].insert_one({"case_id": event.case_id})

    router = Router()
    router.on(ClockStarted, always_fails)
    loop = harness.loop(router, max_attempts=2)
    try:
        harness.send_raw(b"this is not an envelope")
        await harness.send(envelope_for(clock("bad"), source="sprg/test"))
        await harness.send(envelope_for(clock("good"), source="sprg/test"))
        await wait_for(lambda: harness.applied("good"))

        def ours(found: list[Envelope]) -> list[MessageDeadLettered]:
            letters = [
                MessageDeadLettered.model_validate(e.data)
                for e in found
                if e.type == MessageDeadLettered.TYPE
            ]
            return [d for d in letters if d.topic == harness.topic]

        dead = ours(
            await asyncio.to_thread(
                read_until, harness.servers.kafka, topics.DLQ, lambda f: len(ours(f)) >= 2
            )
        )
        reasons = sorted(d.reason for d in dead)
        assert any(r.startswith("handler failed 2 times") and "cannot handle" in r for r in reasons)
        assert any(r.startswith("unreadable envelope") for r in reasons)
        assert any(d.value == "this is not an envelope" for d in dead)
    finally:
        loop.stop()


async def test_an_outage_is_retried_not_dead_lettered(harness: Harness) -> None:
    failures = {"left": 4}

    async def flaky(event: ClockStarted, envelope: Envelope) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise AutoReconnect("store briefly unreachable")
        await harness.db["effects"].insert_one({"case_id": event.case_id})

    router = Router()
    router.on(ClockStarted, flaky)
    loop = harness.loop(router, max_attempts=2)  # fewer attempts than failures
    try:
        await harness.send(envelope_for(clock("outage"), source="sprg/test"))
        await wait_for(lambda: harness.applied("outage"))
        assert failures["left"] == 0
    finally:
        loop.stop()


async def test_an_event_whose_effect_was_not_stored_is_delivered_again(harness: Harness) -> None:
    entered, release = threading.Event(), asyncio.Event()

    async def stuck(event: ClockStarted, envelope: Envelope) -> None:
        entered.set()
        await release.wait()  # the process "dies" before the effect is stored

    first = Router()
    first.on(ClockStarted, stuck)
    loop_a = harness.loop(first)
    await harness.send(envelope_for(clock("crash"), source="sprg/test"))
    await asyncio.to_thread(entered.wait, 30)
    await asyncio.to_thread(loop_a.stop)  # stopped mid-handler: no offset committed

    calls: list[str] = []
    loop_b = harness.loop(recording_router(harness, calls))
    try:
        await wait_for(lambda: harness.applied("crash"))
        assert len(calls) == 1
    finally:
        loop_b.stop()


async def test_a_new_group_given_a_start_time_skips_what_came_before_it(harness: Harness) -> None:
    await harness.send(envelope_for(clock("old"), source="sprg/test"))
    await asyncio.sleep(0.05)  # Kafka timestamps are milliseconds: not the same one
    start = datetime.now(UTC)
    await harness.send(envelope_for(clock("new"), source="sprg/test"))
    calls: list[str] = []
    loop = harness.loop(recording_router(harness, calls), start_at=start)
    try:
        await wait_for(lambda: harness.applied("new"))
        await harness.send(envelope_for(clock("later"), source="sprg/test"))
        await wait_for(lambda: harness.applied("later"))
        assert await harness.applied("old") == 0
    finally:
        await asyncio.to_thread(loop.stop)


async def test_records_of_one_key_keep_their_order_and_different_keys_run_together(
    harness: Harness,
) -> None:
    # "a-..." waits for "b" to have started: handled one record at a time, in the
    # order of the log, "a-0" would wait for ever (the test's 30 s) and "b" never run.
    b_started = asyncio.Event()
    order: list[str] = []

    async def handle(event: ClockStarted, envelope: Envelope) -> None:
        if event.case_id.startswith("a"):
            async with asyncio.timeout(20):
                await b_started.wait()
        else:
            b_started.set()
        order.append(event.clock_id)
        await harness.db["effects"].insert_one({"case_id": event.case_id})

    router = Router()
    router.on(ClockStarted, handle)
    for n in range(5):  # one key: case "a"; each its own clock, in this order
        await harness.send(
            envelope_for(clock("a").model_copy(update={"clock_id": f"a-{n}"}), source="sprg/test")
        )
    await harness.send(envelope_for(clock("b"), source="sprg/test"))
    loop = harness.loop(router, max_attempts=1)
    try:
        await wait_for(lambda: harness.applied("b"))
        await wait_for(lambda: _count(harness, "a", 5))
        assert [c for c in order if c.startswith("a-")] == [f"a-{n}" for n in range(5)]
        assert order.index("k-b") < order.index("a-0")
    finally:
        loop.stop()


async def _count(harness: Harness, case_id: str, n: int) -> bool:
    return await harness.applied(case_id) >= n


async def test_a_redelivered_poison_message_is_dead_lettered_once(harness: Harness) -> None:
    # The poll holds a failing event and one whose handler never ends: the failing one is
    # dead-lettered, the member stops before the poll's commit, the next member gets
    # both again and sends no second dead letter for the same record.
    entered = threading.Event()
    release = asyncio.Event()

    async def first_handler(event: ClockStarted, envelope: Envelope) -> None:
        if event.case_id == "poison":
            raise ValueError("never handled")
        entered.set()
        await release.wait()

    first = Router()
    first.on(ClockStarted, first_handler)
    poison = envelope_for(clock("poison"), source="sprg/test", event_id="poison-event")
    await harness.send(poison)
    await harness.send(envelope_for(clock("stuck"), source="sprg/test"))

    def ours(found: list[Envelope]) -> list[MessageDeadLettered]:
        # sprg.dlq also carries replays' sprg.message.reprocessed.v1: only dead letters here.
        letters = [
            MessageDeadLettered.model_validate(e.data)
            for e in found
            if e.type == MessageDeadLettered.TYPE
        ]
        return [d for d in letters if d.topic == harness.topic]

    loop_a = harness.loop(first, max_attempts=1)
    try:
        await asyncio.to_thread(entered.wait, 30)
        await asyncio.to_thread(
            read_until, harness.servers.kafka, topics.DLQ, lambda f: len(ours(f)) >= 1
        )
    finally:
        await asyncio.to_thread(loop_a.stop)  # before the poll's commit

    calls: list[str] = []

    async def second_handler(event: ClockStarted, envelope: Envelope) -> None:
        if event.case_id == "poison":
            raise ValueError("never handled")
        calls.append(envelope.id)
        await harness.db["effects"].insert_one({"case_id": event.case_id})

    second = Router()
    second.on(ClockStarted, second_handler)
    loop_b = harness.loop(second, max_attempts=1)
    try:
        await wait_for(lambda: harness.applied("stuck"))  # the poll came again
        await harness.send(envelope_for(clock("after"), source="sprg/test"))
        await wait_for(lambda: harness.applied("after"))  # and was committed
        dead = ours(
            await asyncio.to_thread(
                read_until, harness.servers.kafka, topics.DLQ, lambda f: len(ours(f)) >= 1, 5
            )
        )
        assert len(dead) == 1
        assert (
            harness.registry.get_sample_value(
                "sprg_test_events_consumed_total",
                {"topic": harness.topic, "outcome": "dead_lettered"},
            )
            == 2
        )  # counted by both members; sent by the first only
    finally:
        release.set()
        loop_b.stop()

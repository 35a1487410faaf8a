"""The bus contract (tests/contracts/bus.py) on the in-process loopback bus."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from sprg_shared import topics
from sprg_shared.bus import Router
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope, envelope_for
from sprg_shared.loopback import LoopbackBus
from tests.contracts.bus import SOURCE, TRACEPARENT, BusContract, clock

TOPIC = "test.loopback"


class Loopback:
    def __init__(self) -> None:
        self.bus = LoopbackBus()

    async def start(self, router: Router, max_attempts: int) -> None:
        self.bus.consume("test-group", [TOPIC], router, max_attempts=max_attempts)

    async def send(self, envelope: Envelope) -> None:
        await self.bus.publish(TOPIC, envelope)

    async def send_raw(self, value: bytes) -> None:
        self.bus.send_raw(TOPIC, value, key=b"poison")

    async def settle(self, until: Callable[[], bool]) -> None:
        await self.bus.drain()
        assert until(), "not so once every message was delivered"

    async def dead_letters(self, at_least: int) -> list[MessageDeadLettered]:
        await self.bus.drain()
        found = [d for d in self.bus.dead_letters() if d.topic == TOPIC]
        assert len(found) >= at_least
        return found

    async def stop(self) -> None:
        self.bus.close()


class TestLoopbackBus(BusContract):
    @pytest.fixture
    async def bus(self) -> AsyncIterator[Loopback]:
        made = Loopback()
        yield made
        await made.stop()


async def test_a_message_carries_the_producers_key_and_headers() -> None:
    bus = LoopbackBus()
    sent = envelope_for(clock("headers"), source=SOURCE, traceparent=TRACEPARENT)
    await bus.publish(TOPIC, sent)
    (record,) = bus.topics[TOPIC]
    assert record.key == b"headers"  # the envelope's subject: the case id
    assert dict(record.headers) == {
        "ce_id": sent.id.encode(),
        "ce_type": b"sprg.clock.started.v1",
        "traceparent": TRACEPARENT.encode(),
    }
    assert Envelope.from_bytes(record.value) == sent


async def test_a_dead_letter_names_the_group_topic_and_offset_and_reaches_dlq_readers() -> None:
    bus = LoopbackBus()
    replayed: list[MessageDeadLettered] = []

    async def replay(event: MessageDeadLettered, envelope: Envelope) -> None:
        replayed.append(event)

    dlq = Router()
    dlq.on(MessageDeadLettered, replay)
    bus.consume("ops", [topics.DLQ], dlq)
    bus.consume("test-group", [TOPIC], Router())
    await bus.publish(TOPIC, envelope_for(clock("first"), source=SOURCE))
    bus.send_raw(TOPIC, b"{not json")
    await bus.drain()
    (letter,) = replayed
    assert (letter.consumer_group, letter.topic, letter.offset) == ("test-group", TOPIC, 1)
    assert letter.value == "{not json"

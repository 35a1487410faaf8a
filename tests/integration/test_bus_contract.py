"""The bus contract (tests/contracts/bus.py) on the real broker and store: ``bus.Producer`` and
``bus.ConsumerLoop`` with the store's ``AppliedLedger``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_shared import topics
from sprg_shared.bus import ConsumerLoop, Producer, Router
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope
from sprg_shared.metrics import bus_metrics
from sprg_shared.store import AppliedLedger
from tests.contracts.bus import SOURCE, BusContract
from tests.integration.kafka_helpers import create_topic, read_until
from tests.servers import Servers

pytestmark = pytest.mark.integration


class Kafka:
    def __init__(self, servers: Servers, run_id: str, mongo: AsyncMongoClient[Any]) -> None:
        self.kafka = servers.kafka
        self.topic = f"test.contract.{run_id}"
        self.group = f"test-contract-{run_id}"
        self.db = mongo[f"t{run_id}_bus"]
        self.metrics = bus_metrics(CollectorRegistry(), "test")
        self.producer = Producer(servers.kafka, "test", self.metrics)
        self.loops: list[ConsumerLoop] = []
        create_topic(servers.kafka, self.topic)

    async def start(self, router: Router, max_attempts: int) -> None:
        loop = ConsumerLoop(
            bootstrap_servers=self.kafka,
            group_id=self.group,
            topic_names=[self.topic],
            router=router,
            ledger=AppliedLedger(self.db, self.group),
            producer=self.producer,
            loop=asyncio.get_running_loop(),
            metrics=self.metrics,
            source=SOURCE,
            max_attempts=max_attempts,
            backoff_seconds=0.05,
            max_backoff_seconds=0.2,
        )
        loop.start()
        self.loops.append(loop)

    async def send(self, envelope: Envelope) -> None:
        await self.producer.publish(self.topic, envelope)

    async def send_raw(self, value: bytes) -> None:
        def send() -> None:
            raw = KafkaProducer(bootstrap_servers=self.kafka)
            raw.send(self.topic, key=b"poison", value=value).get(timeout=10)
            raw.close()

        await asyncio.to_thread(send)

    async def settle(self, until: Callable[[], bool]) -> None:
        async with asyncio.timeout(30):
            while not until():
                await asyncio.sleep(0.05)

    async def dead_letters(self, at_least: int) -> list[MessageDeadLettered]:
        def ours(found: list[Envelope]) -> list[MessageDeadLettered]:
            # sprg.dlq also carries replays' sprg.message.reprocessed.v1: only dead letters.
            letters = [
                MessageDeadLettered.model_validate(e.data)
                for e in found
                if e.type == MessageDeadLettered.TYPE
            ]
            return [d for d in letters if d.topic == self.topic]

        found = await asyncio.to_thread(
            read_until, self.kafka, topics.DLQ, lambda f: len(ours(f)) >= at_least
        )
        return ours(found)

    async def stop(self) -> None:
        for loop in self.loops:
            await asyncio.to_thread(loop.stop)
        await asyncio.to_thread(self.producer.close)


class TestKafkaBus(BusContract):
    @pytest.fixture
    async def bus(
        self, servers: Servers, run_id: str, mongo: AsyncMongoClient[Any]
    ) -> AsyncIterator[Kafka]:
        made = Kafka(servers, run_id, mongo)
        yield made
        await made.stop()

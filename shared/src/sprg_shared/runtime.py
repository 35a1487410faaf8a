"""What every service builds at start-up from its settings: store, bus, metrics, consumers.

Built inside the lifespan (never at import) and closed at shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.bus import ConsumerLoop, Producer, Router
from sprg_shared.envelope import Envelope, EventData, envelope_for
from sprg_shared.metrics import BusMetrics, bus_metrics
from sprg_shared.settings import ServiceSettings
from sprg_shared.store import AppliedLedger, Document, make_client, ping

__all__ = ["Runtime", "dump"]


@dataclass
class Runtime:
    service: str
    settings: ServiceSettings
    registry: CollectorRegistry
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    producer: Producer
    metrics: BusMetrics
    consumers: list[ConsumerLoop] = field(default_factory=list)
    checks: dict[str, Callable[[], bool]] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)
    async_closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @classmethod
    def build(cls, service: str, settings: ServiceSettings, registry: CollectorRegistry) -> Runtime:
        metrics = bus_metrics(registry, service)
        client = make_client(settings.mongodb_url, app_name=f"sprg-{service}")
        return cls(
            service=service,
            settings=settings,
            registry=registry,
            client=client,
            db=client[settings.database],
            producer=Producer(settings.kafka_bootstrap_servers, f"sprg-{service}", metrics),
            metrics=metrics,
        )

    @property
    def source(self) -> str:
        return f"sprg/{self.service}"

    def consume(self, group: str, topic_names: Sequence[str], router: Router) -> ConsumerLoop:
        """Start a consumer-group member handing messages to this event loop."""
        loop = ConsumerLoop(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=group,
            topic_names=topic_names,
            router=router,
            ledger=AppliedLedger(self.db, group),
            producer=self.producer,
            loop=asyncio.get_running_loop(),
            metrics=self.metrics,
            source=self.source,
            start_at=self.settings.consumer_start_at,
        )
        loop.start()
        self.consumers.append(loop)
        return loop

    async def publish(
        self, event: EventData, *, event_id: str, traceparent: str | None = None
    ) -> Envelope:
        envelope = envelope_for(
            event, source=self.source, event_id=event_id, traceparent=traceparent
        )
        await self.producer.publish(event.TOPIC, envelope)
        return envelope

    async def readiness(self) -> dict[str, bool]:
        checks = {
            "store": await ping(self.db),
            "bus": await asyncio.to_thread(self.producer.reachable),
        }
        if self.consumers:
            checks["consumers"] = all(c.alive() for c in self.consumers)
        checks.update({name: check() for name, check in self.checks.items()})
        return checks

    async def close(self) -> None:
        for consumer in self.consumers:
            await asyncio.to_thread(consumer.stop)
        for close in self.closers:
            await asyncio.to_thread(close)
        for aclose in self.async_closers:
            await aclose()
        await asyncio.to_thread(self.producer.close)
        await self.client.close()


def dump(model: Any) -> Document:
    """A pydantic model as a store document (dates as ISO strings, which sort correctly)."""
    return dict(model.model_dump(mode="json"))

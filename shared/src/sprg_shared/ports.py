"""The bus as a service's composition root sees it: publish to a topic, subscribe a group.

Two adapters: the real one over ``Runtime`` (Kafka producer, consumer loops, the store's
ledger), ``runtime_bus(runtime)``, and ``loopback.LoopbackBus`` in one process for unit tests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from sprg_shared.bus import Router
from sprg_shared.envelope import Envelope, EventData, envelope_for
from sprg_shared.runtime import Runtime

__all__ = ["Bus", "Publish", "Publishes", "RuntimeBus", "publisher"]


class Publishes(Protocol):
    """What publishes: ``bus.Producer``, ``loopback.LoopbackBus``, ``RuntimeBus``."""

    async def publish(self, topic: str, envelope: Envelope) -> None: ...


class Bus(Publishes, Protocol):
    def consume(self, group: str, topic_names: Sequence[str], router: Router) -> object: ...


class RuntimeBus:
    """The Kafka bus of a running service (its producer and consumer loops)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def publish(self, topic: str, envelope: Envelope) -> None:
        await self._runtime.producer.publish(topic, envelope)

    def consume(self, group: str, topic_names: Sequence[str], router: Router) -> object:
        return self._runtime.consume(group, topic_names, router)


Publish = Callable[[EventData, str, str | None], Awaitable[Envelope]]


def publisher(bus: Publishes, source: str) -> Publish:
    """``publish(event, event_id, traceparent)`` on the event's own topic, as handlers call it."""

    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        envelope = envelope_for(event, source=source, event_id=event_id, traceparent=traceparent)
        await bus.publish(event.TOPIC, envelope)
        return envelope

    return publish

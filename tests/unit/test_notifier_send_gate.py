"""At most one message per channel between "the channel accepted it" and "recorded as sent".

The bus handles a poll's records concurrently (one key after another, different keys at
once), so many deliveries are in flight together. A crash resends whatever the channel
accepted and the store had not yet recorded as sent (at least once: a lost statutory
message is worse than a duplicate). These tests watch that window on the in-memory
adapters: a relay and a receiver that note each accepted message as "in doubt" until the
store records it sent, and keep the most that were ever in doubt together.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from sprg_notifier.adapters.channels import ChannelError
from sprg_notifier.adapters.memory import MemoryEmail, MemoryNotifierStore, MemoryWebhook
from sprg_notifier.bootstrap import Channels, Notifier, compose
from sprg_notifier.domain.directory import Person
from sprg_notifier.domain.render import Rendered
from sprg_notifier.handlers.events import on_event
from sprg_notifier.settings import NotifierSettings
from sprg_shared.contracts.clocks import ClockStarted
from sprg_shared.envelope import envelope_for
from sprg_shared.loopback import LoopbackBus

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@dataclass
class Doubt:
    """Messages a channel accepted that the store has not yet recorded as sent."""

    now: set[str] = field(default_factory=set)
    most: dict[str, int] = field(default_factory=dict)  # by channel
    channel_of: dict[str, str] = field(default_factory=dict)

    def accepted(self, channel: str, delivery_id: str) -> None:
        self.now.add(delivery_id)
        self.channel_of[delivery_id] = channel
        same = sum(1 for d in self.now if self.channel_of[d] == channel)
        self.most[channel] = max(self.most.get(channel, 0), same)

    def recorded(self, delivery_id: str) -> None:
        self.now.discard(delivery_id)


@dataclass
class WatchedRelay(MemoryEmail):
    doubt: Doubt = field(default_factory=Doubt)
    refusals: int = 0  # how many sends to refuse, from the first

    async def send(self, *, to: str, message: Rendered, delivery_id: str) -> None:
        await asyncio.sleep(0)  # the relay's round trip: others run meanwhile
        if self.refusals > 0:
            self.refusals -= 1
            raise ChannelError("SMTP: 421 try later")
        await super().send(to=to, message=message, delivery_id=delivery_id)
        self.doubt.accepted("email", delivery_id)


@dataclass
class SlowReceiver(MemoryWebhook):
    doubt: Doubt = field(default_factory=Doubt)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, *, url: str, payload: dict[str, Any], delivery_id: str) -> None:
        await self.release.wait()  # a receiver that takes its time
        await super().send(url=url, payload=payload, delivery_id=delivery_id)
        self.doubt.accepted("webhook", delivery_id)


class WatchedStore(MemoryNotifierStore):
    def __init__(self, doubt: Doubt) -> None:
        super().__init__()
        self.doubt = doubt

    async def mark(
        self, delivery_id: str, status: str, at: datetime, attempts: int, error: str | None
    ) -> None:
        await asyncio.sleep(0)  # the store's round trip
        await super().mark(delivery_id, status, at, attempts, error)
        if status == "sent":
            self.doubt.recorded(delivery_id)


def business_team(person_id: str, **more: Any) -> Person:
    return Person(
        person_id=person_id,
        name="Business Team",
        email=f"{person_id}@example.org",
        agency="cscp",
        roles=frozenset({"business_team"}),
        **more,
    )


def sin_clock(case_id: str) -> ClockStarted:
    return ClockStarted(
        clock_id=f"k-{case_id}",
        case_id=case_id,
        kind="sin_notification",
        anchor="aware_date",
        anchor_date="2026-11-23",
        due="2026-11-30",
        calendar_version="test",
        started_by="e1",
        reference="SIN-2026-0001",
    )


async def notifier(
    store: MemoryNotifierStore,
    email: MemoryEmail,
    webhook: MemoryWebhook,
    people: list[Person],
    backoff: float = 0.0,
) -> Notifier:
    for person in people:
        await store.put_person(person)
    settings = NotifierSettings(
        kafka_bootstrap_servers="unused:9",
        mongodb_url="mongodb://unused",
        retry_backoff_seconds=backoff,
        delivery_attempts=3,
    )
    return await compose(
        settings,
        repository=store,
        bus=LoopbackBus(),
        channels=Channels(email=email, webhook=webhook),
        registry=CollectorRegistry(),
        now=lambda: NOW,
    )


async def handle_at_once(world: Notifier, cases: list[str]) -> None:
    """As the bus does with a poll of records of different keys: all at once."""
    await asyncio.gather(
        *(
            on_event(event, envelope_for(event, source="sprg/scheduler"), world.deps)
            for event in (sin_clock(case) for case in cases)
        )
    )


async def test_a_poll_of_deliveries_leaves_at_most_one_email_in_doubt_at_a_time() -> None:
    doubt = Doubt()
    store, relay = WatchedStore(doubt), WatchedRelay(doubt=doubt)
    world = await notifier(store, relay, MemoryWebhook(), [business_team("bt-1")])
    cases = [f"case-{i}" for i in range(25)]
    await handle_at_once(world, cases)
    assert sorted(m.delivery_id for m in relay.sent) == sorted(
        d["_id"] for d in store.delivery_log.values()
    )
    assert len(relay.sent) == 25  # every one sent, once
    assert {d["status"] for d in store.delivery_log.values()} == {"sent"}
    assert doubt.now == set()
    # Without the gate all 25 are accepted before the first is recorded.
    assert doubt.most == {"email": 1}


async def test_a_retry_waits_out_its_backoff_without_holding_up_other_messages() -> None:
    doubt = Doubt()
    store = WatchedStore(doubt)
    relay = WatchedRelay(doubt=doubt, refusals=1)  # the first send is refused, once
    world = await notifier(store, relay, MemoryWebhook(), [business_team("bt-1")], backoff=0.05)
    await handle_at_once(world, ["case-a", "case-b"])
    # case-a's message was refused and retried 50 ms later; case-b's went meanwhile: the
    # backoff holds no lock.
    assert [m.delivery_id for m in relay.sent] == [
        (await store.deliveries(case_id=case))[0]["_id"] for case in ("case-b", "case-a")
    ]
    assert [d["attempts"] for d in await store.deliveries(case_id="case-a")] == [2]
    assert doubt.most == {"email": 1}


async def test_a_slow_webhook_does_not_hold_up_email() -> None:
    doubt = Doubt()
    store = WatchedStore(doubt)
    relay, receiver = WatchedRelay(doubt=doubt), SlowReceiver(doubt=doubt)
    people = [
        business_team("a-mail"),  # told first in each event (people come in id order)
        business_team("b-hook", channel="webhook", webhook_url="https://hooks.example.org/x"),
    ]
    world = await notifier(store, relay, receiver, people)
    handling = asyncio.ensure_future(handle_at_once(world, ["case-1", "case-2", "case-3"]))
    # Every event's e-mail goes while the first webhook call is still waiting on its receiver.
    for _ in range(100):
        if len(relay.sent) == 3:
            break
        await asyncio.sleep(0.01)
    assert len(relay.sent) == 3
    assert receiver.sent == []
    receiver.release.set()
    await asyncio.wait_for(handling, 5)
    assert len(receiver.sent) == 3
    assert doubt.most == {"email": 1, "webhook": 1}

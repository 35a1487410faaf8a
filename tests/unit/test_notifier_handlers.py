"""The notifier's handlers with no server: composed by ``bootstrap.compose`` on the in-memory
store and channels and the loopback bus (as cosmicpython's tests/unit/test_handlers.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from sprg_notifier.adapters.memory import MemoryEmail, MemoryNotifierStore, MemoryWebhook
from sprg_notifier.bootstrap import Channels, Notifier, compose
from sprg_notifier.domain.directory import Person
from sprg_notifier.settings import NotifierSettings
from sprg_shared import topics
from sprg_shared.contracts.clocks import ClockStarted
from sprg_shared.contracts.notifications import NotificationSent
from sprg_shared.envelope import envelope_for
from sprg_shared.loopback import LoopbackBus

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def settings() -> NotifierSettings:
    return NotifierSettings(
        kafka_bootstrap_servers="unused:9",
        mongodb_url="mongodb://unused",
        retry_backoff_seconds=0,
        delivery_attempts=2,
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


class World:
    def __init__(self) -> None:
        self.store = MemoryNotifierStore()
        self.email = MemoryEmail()
        self.bus = LoopbackBus()

    async def start(self) -> Notifier:
        await self.store.put_person(
            Person(
                person_id="bt-1",
                name="Business Team",
                email="bt@example.org",
                agency="cscp",
                roles=frozenset({"business_team"}),
            )
        )
        return await compose(
            settings(),
            repository=self.store,
            bus=self.bus,
            channels=Channels(email=self.email, webhook=MemoryWebhook()),
            registry=CollectorRegistry(),
            now=lambda: NOW,
        )


async def test_a_sin_clock_tells_the_business_team_once_even_when_delivered_twice() -> None:
    world = World()
    await world.start()
    started = envelope_for(sin_clock("case-1"), source="sprg/scheduler")
    await world.bus.publish(topics.CLOCKS, started)
    await world.bus.publish(topics.CLOCKS, started)  # redelivered
    await world.bus.drain()
    (mail,) = world.email.sent
    assert mail.to == "bt@example.org"
    assert "SIN-2026-0001" in mail.message.subject + mail.message.text
    assert "case-1" not in mail.message.subject  # people see the reference, not the id
    sent = [e for e in world.bus.events(topics.NOTIFICATIONS) if isinstance(e, NotificationSent)]
    assert [(s.status, s.recipient_role, s.case_id) for s in sent] == [
        ("sent", "business_team", "case-1")
    ]
    assert [d["status"] for d in await world.store.deliveries(case_id="case-1")] == ["sent"]


async def test_a_relay_that_refuses_fails_the_delivery_and_dead_letters_the_event() -> None:
    world = World()
    await world.start()
    world.email.refuse = "421 try later"
    await world.bus.publish(topics.CLOCKS, envelope_for(sin_clock("case-2"), source="t"))
    await world.bus.drain()
    assert world.email.sent == []
    (letter,) = world.bus.dead_letters()
    assert letter.reason == "delivery failed after 2 attempts to: bt-1"
    (delivery,) = await world.store.deliveries(case_id="case-2")
    assert (delivery["status"], delivery["attempts"], delivery["error"]) == (
        "failed",
        2,
        "SMTP: 421 try later",
    )

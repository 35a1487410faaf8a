"""The firing loop on the real broker and store: each transition once, across replicas and stops.

Time is a ``FakeClock`` the tests move; nothing sleeps. Every transition the loops
publish is counted on the real broker, on a topic of this test's own (3 partitions,
like sprg.clocks), so that thousands of test reminders never reach the services that
consume sprg.clocks in other tests.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_scheduler.adapters.claims import FiringClaims
from sprg_scheduler.adapters.repository import ClockRepository
from sprg_scheduler.domain import schedule
from sprg_scheduler.handlers.clocks import SchedulerDeps, on_case_assessed
from sprg_scheduler.handlers.firing import FiringConfig, FiringLoop
from sprg_shared import topics
from sprg_shared.bus import Producer
from sprg_shared.contracts.decisions import CaseAssessed, ClockDue, RulepackRef
from sprg_shared.envelope import Envelope, EventData, envelope_for
from sprg_shared.metrics import bus_metrics
from tests.integration.kafka_helpers import create_topic
from tests.servers import Servers
from tests.unit.test_scheduler_schedule import CAL, POLICY, FakeClock, utc

pytestmark = pytest.mark.integration

LEASE = timedelta(seconds=30)


class Harness:
    """One scheduler store and producer; any number of firing loops (replicas) on them."""

    def __init__(self, servers: Servers, run_id: str, mongo: AsyncMongoClient[Any]) -> None:
        self.servers = servers
        self.run_id = run_id
        self.clock = FakeClock(utc(2026, 4, 1))
        self.topic = f"test.clocks.{run_id}"
        create_topic(servers.kafka, self.topic, partitions=3)
        self.repo = ClockRepository(mongo[f"t{run_id}_scheduler"])
        self.producer = Producer(
            servers.kafka, f"test-{run_id}", bus_metrics(CollectorRegistry(), "t")
        )
        self.deps = SchedulerDeps(
            repo=self.repo,
            publish=self.publish,
            now=self.clock,
            calendar_version="test",
            calendar=CAL,
            policy=POLICY,
        )

    async def publish(self, event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        envelope = envelope_for(
            event, source="sprg/scheduler", event_id=event_id, traceparent=traceparent
        )
        assert event.TOPIC == topics.CLOCKS
        await self.producer.publish(self.topic, envelope)
        return envelope

    def replica(self, name: str, batch_size: int = 500, concurrency: int = 16) -> FiringLoop:
        return FiringLoop(
            repo=self.repo,
            claims=FiringClaims(self.repo, f"{self.run_id}-{name}", LEASE),
            publish=self.publish,
            now=self.clock,
            policy=POLICY,
            calendar=CAL,
            config=FiringConfig(batch_size=batch_size, concurrency=concurrency),
        )

    def case(self, n: int) -> str:
        return f"case-{self.run_id}-{n}"

    async def assess(self, case_id: str, *dues: ClockDue, event_id: str | None = None) -> str:
        event = assessed(case_id, *dues)
        envelope = envelope_for(event, source="sprg/rules", event_id=event_id)
        await on_case_assessed(event, envelope, self.deps)
        return envelope.id

    def events(self, case_ids: set[str]) -> list[Envelope]:
        """Every event published about these cases, read to the topic's current end."""
        return [e for e in read_to_end(self.servers.kafka, self.topic) if e.subject in case_ids]


def read_to_end(bootstrap: str, topic: str) -> list[Envelope]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        seen: list[Envelope] = []
        while any(consumer.position(p) < ends[p] for p in partitions):
            for records in consumer.poll(timeout_ms=500).values():
                seen.extend(Envelope.from_bytes(r.value) for r in records)
        return seen
    finally:
        consumer.close()


def clock_due(kind: str, due: date, anchor_date: date | None = None) -> ClockDue:
    return ClockDue(
        kind=kind,
        anchor="aware_date",
        anchor_date=anchor_date or due - timedelta(days=7),
        due=due,
        rule=f"rule.{kind}",
    )


def assessed(case_id: str, *dues: ClockDue) -> CaseAssessed:
    return CaseAssessed(
        case_id=case_id,
        trigger_event_id="incident-1",
        rulepack=RulepackRef(id="statutory-england", version="test", hash="h"),
        panel_notification_required=True,
        panel_notification_subsection="a",
        notifying_area="this_area",
        rapid_review_required=True,
        dfe_ofsted_reasons=(),
        csab_liaison_required=False,
        clocks=dues,
        decisions=(),
    )


def transitions(events: list[Envelope]) -> Counter[tuple[str, str, Any]]:
    """How often each distinct fact was published: (clock, type, reminder offset)."""
    return Counter((e.data["clock_id"], e.type, e.data.get("offset")) for e in events)


def steps(start: datetime, end: datetime, every: timedelta) -> Iterator[datetime]:
    while start <= end:
        yield start
        start += every


@pytest.fixture
async def harness(
    servers: Servers, run_id: str, mongo: AsyncMongoClient[Any]
) -> AsyncIterator[Harness]:
    found = Harness(servers, run_id, mongo)
    await found.repo.ensure_indexes()
    await found.replica("indexes").ensure_indexes()
    yield found
    await asyncio.to_thread(found.producer.close)


async def test_a_clock_reminds_then_breaches_each_exactly_once(harness: Harness) -> None:
    case_id = harness.case(1)
    # Aware Thu 2 Apr 2026: due Mon 13 Apr over Easter; reminders 9 and 13 Apr, breach 14 Apr.
    harness.clock.at(utc(2026, 4, 2, 9))
    await harness.assess(
        case_id, clock_due("sin_notification", date(2026, 4, 13), date(2026, 4, 2))
    )
    loop = harness.replica("only")
    fired = []
    for now in steps(utc(2026, 4, 2, 9), utc(2026, 4, 20), timedelta(hours=1)):
        harness.clock.at(now)
        fired.append((now, await loop.tick()))
        fired.append((now, await loop.tick()))  # a second tick at the same instant: nothing
    assert [now for now, n in fired if n] == [
        utc(2026, 4, 9, 7),
        utc(2026, 4, 13, 7),
        utc(2026, 4, 14, 8),
    ]
    events = harness.events({case_id})
    assert [e.type for e in events] == [
        "sprg.clock.started.v1",
        "sprg.clock.reminder_due.v1",
        "sprg.clock.reminder_due.v1",
        "sprg.clock.breached.v1",
    ]
    assert [e.data.get("working_days_remaining") for e in events[1:3]] == [2, 0]
    (stored,) = await harness.repo.for_case(case_id)
    assert (stored.clock.state, stored.clock.next_fire_at) == ("breached", None)


async def test_two_replicas_racing_over_many_clocks_fire_each_transition_once(
    harness: Harness,
) -> None:
    harness.clock.at(utc(2026, 4, 1))
    kinds = ("sin_notification", "rapid_review", "dfe_ofsted_notification")
    cases = {harness.case(n) for n in range(25)}
    for n, case_id in enumerate(sorted(cases)):
        await harness.assess(
            case_id,
            *(
                clock_due(k, date(2026, 4, 13) + timedelta(days=(n + i) % 9))
                for i, k in enumerate(kinds)
            ),
        )
    a, b = harness.replica("a", batch_size=16, concurrency=8), harness.replica("b", 16, 8)
    won = Counter[str]()
    for now in steps(utc(2026, 4, 1), utc(2026, 4, 30), timedelta(hours=6)):
        harness.clock.at(now)
        got_a, got_b = await asyncio.gather(a.tick(), b.tick())
        won.update(a=got_a, b=got_b)
    events = [e for e in harness.events(cases) if e.type != "sprg.clock.started.v1"]
    per_fact = transitions(events)
    clocks = len(cases) * len(kinds)
    # Every clock: two reminders and a breach (6-hour steps never span two of them).
    assert len(per_fact) == clocks * 3
    assert set(per_fact.values()) == {1}, [k for k, v in per_fact.items() if v > 1]
    assert len({e.id for e in events}) == len(events)
    assert won["a"] + won["b"] == clocks * 3
    assert won["a"] > 0 and won["b"] > 0  # both replicas really took part


async def test_a_burst_due_at_once_is_fired_once_by_three_replicas(harness: Harness) -> None:
    harness.clock.at(utc(2026, 4, 1))
    cases = {harness.case(n) for n in range(150)}
    for case_id in cases:
        await harness.assess(case_id, clock_due("sin_notification", date(2026, 4, 13)))
    harness.clock.at(utc(2026, 4, 14, 8))  # the breach moment of every one of them
    replicas = [harness.replica(name, batch_size=64, concurrency=16) for name in "xyz"]
    won = [sum(await asyncio.gather(*(r.tick() for r in replicas)))]
    while won[-1]:  # a store error on one clock leaves it to the next tick, never to no one
        won.append(sum(await asyncio.gather(*(r.tick() for r in replicas))))
    assert sum(won) == 150
    breaches = [e for e in harness.events(cases) if e.type == "sprg.clock.breached.v1"]
    assert len(breaches) == 150
    assert len({e.data["clock_id"] for e in breaches}) == 150


async def test_after_a_stop_the_next_replica_catches_up_once_and_skips_superseded_reminders(
    harness: Harness,
) -> None:
    harness.clock.at(utc(2026, 4, 2, 9))
    late, due_today = harness.case(1), harness.case(2)
    await harness.assess(late, clock_due("sin_notification", date(2026, 4, 13)))
    await harness.assess(due_today, clock_due("sin_notification", date(2026, 4, 22)))
    before = harness.replica("before-the-stop")
    assert await before.tick() == 0
    # Down from 2 April to the afternoon of 22 April: late's reminders and breach, and
    # due_today's first reminder, all fell due meanwhile.
    harness.clock.at(utc(2026, 4, 22, 13))
    after = harness.replica("after-the-stop")
    assert await after.tick() == 2
    assert await after.tick() == 0
    fired = [e for e in harness.events({late, due_today}) if e.type != "sprg.clock.started.v1"]
    assert sorted((e.subject, e.type, e.data.get("offset")) for e in fired) == sorted(
        [(late, "sprg.clock.breached.v1", None), (due_today, "sprg.clock.reminder_due.v1", 0)]
    )


async def test_a_replica_that_dies_after_publishing_is_taken_over_when_its_lease_expires(
    harness: Harness,
) -> None:
    harness.clock.at(utc(2026, 4, 2, 9))
    case_id = harness.case(1)
    await harness.assess(case_id, clock_due("sin_notification", date(2026, 4, 13)))
    harness.clock.at(utc(2026, 4, 14, 9))
    dying = FiringClaims(harness.repo, f"{harness.run_id}-dying", LEASE)  # a replica that dies
    ((clock_id, at),) = await dying.due(harness.clock(), 10)
    stored = await dying.claim(clock_id, at, harness.clock())
    assert stored is not None
    firing = schedule.fire(stored.clock, harness.clock(), POLICY, CAL)
    assert firing is not None
    await harness.publish(firing.event, firing.event_id, None)  # ... and dies before completing

    survivor = harness.replica("survivor")
    assert await survivor.tick() == 0  # the lease still holds
    harness.clock.at(harness.clock() + LEASE + timedelta(seconds=1))
    assert await survivor.tick() == 1
    assert await survivor.tick() == 0
    breaches = [e for e in harness.events({case_id}) if e.type == "sprg.clock.breached.v1"]
    # Published twice, as one fact: the same id, which consumers skip the second time.
    assert [e.id for e in breaches] == [firing.event_id, firing.event_id]
    (after,) = await harness.repo.for_case(case_id)
    assert after.clock.state == "breached"

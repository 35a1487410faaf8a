"""The rules service's view of the calendar: the latest confirmed version on the compacted
topic, read from the real broker, never going back to an older one."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from prometheus_client import CollectorRegistry

from sprg_shared.bus import Producer
from sprg_shared.confirmed_calendar import ConfirmedCalendar
from sprg_shared.contracts.calendar import CalendarVersioned, Closure
from sprg_shared.envelope import envelope_for
from sprg_shared.metrics import bus_metrics
from tests.integration.kafka_helpers import create_topic
from tests.servers import Servers

pytestmark = pytest.mark.integration


def version(number: int, *days: date) -> CalendarVersioned:
    return CalendarVersioned(
        version=f"ew-bank-holidays+closures.{number}",
        number=number,
        closures=tuple(Closure(date=d, reason="closed") for d in days),
        confirmed_by="user:bt",
        confirmed_at=datetime(2026, 4, 1, tzinfo=UTC),
        clocks_recalculated=0,
    )


async def test_the_feed_follows_the_latest_version_without_a_restart(
    servers: Servers, run_id: str
) -> None:
    topic = f"test.calendar.{run_id}"
    create_topic(servers.kafka, topic)
    producer = Producer(servers.kafka, f"t-{run_id}", bus_metrics(CollectorRegistry(), "t"))
    first = version(1, date(2026, 4, 8))
    await producer.publish(topic, envelope_for(first, source="sprg/scheduler"))
    feed = ConfirmedCalendar(servers.kafka, topic=topic, poll_ms=100)
    feed.start()
    try:
        assert await asyncio.to_thread(feed.caught_up.wait, 30)
        assert feed.current().closures == {date(2026, 4, 8)}
        assert feed.current().add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 14)
        second = version(2, date(2026, 4, 8), date(2026, 4, 9))
        await producer.publish(topic, envelope_for(second, source="sprg/scheduler"))
        async with asyncio.timeout(30):
            while feed.current().version != second.version:
                await asyncio.sleep(0.1)
        assert feed.current().closures == {date(2026, 4, 8), date(2026, 4, 9)}
    finally:
        await asyncio.to_thread(feed.stop)
        await asyncio.to_thread(producer.close)


def test_a_replayed_older_version_never_takes_the_calendar_back() -> None:
    feed = ConfirmedCalendar("unused:9092")
    feed.apply(version(2, date(2026, 4, 8), date(2026, 4, 9)))
    feed.apply(version(1, date(2026, 4, 8)))
    assert feed.current().version == "ew-bank-holidays+closures.2"
    assert feed.current().closures == {date(2026, 4, 8), date(2026, 4, 9)}

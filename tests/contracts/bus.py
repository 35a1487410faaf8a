"""What every bus does for a consumer group (``bus.ConsumerLoop`` on Kafka,
``loopback.LoopbackBus`` in memory): the envelope arrives as published, a redelivered event is
applied once, poison is dead-lettered with the reason and delivery goes on, an outage is retried
and never dead-lettered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from pymongo.errors import AutoReconnect

from sprg_shared.bus import Router
from sprg_shared.contracts.clocks import ClockStarted
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope, envelope_for

SOURCE = "sprg/test"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class BusUnderTest(Protocol):
    """One consumer group on one topic of the adapter under test."""

    async def start(self, router: Router, max_attempts: int) -> None: ...

    async def send(self, envelope: Envelope) -> None: ...

    async def send_raw(self, value: bytes) -> None: ...

    async def settle(self, until: Callable[[], bool]) -> None:
        """Return once ``until()`` holds (fail if it never does)."""

    async def dead_letters(self, at_least: int) -> list[MessageDeadLettered]:
        """The dead letters of this topic, once there are ``at_least``."""

    async def stop(self) -> None: ...


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


Handle = Callable[[ClockStarted, Envelope], Awaitable[None]]


def router_of(handle: Handle) -> Router:
    router = Router()
    router.on(ClockStarted, handle)
    return router


class BusContract:
    """Subclasses provide the ``bus`` fixture (a started-nothing ``BusUnderTest``)."""

    async def test_the_handler_gets_the_envelope_as_published(self, bus: BusUnderTest) -> None:
        seen: list[tuple[ClockStarted, Envelope]] = []

        async def handle(event: ClockStarted, envelope: Envelope) -> None:
            seen.append((event, envelope))

        await bus.start(router_of(handle), max_attempts=3)
        sent = envelope_for(clock("as-sent"), source=SOURCE, traceparent=TRACEPARENT)
        await bus.send(sent)
        await bus.settle(lambda: len(seen) == 1)
        event, envelope = seen[0]
        assert envelope == sent
        assert event == clock("as-sent")

    async def test_a_redelivered_event_is_applied_once(self, bus: BusUnderTest) -> None:
        applied: list[str] = []

        async def handle(event: ClockStarted, envelope: Envelope) -> None:
            applied.append(event.case_id)

        await bus.start(router_of(handle), max_attempts=3)
        twice = envelope_for(clock("dup"), source=SOURCE, event_id="dup-event")
        await bus.send(twice)
        await bus.send(twice)  # the same event delivered twice
        await bus.send(envelope_for(clock("after"), source=SOURCE))
        await bus.settle(lambda: "after" in applied)
        assert applied == ["dup", "after"]

    async def test_poison_is_dead_lettered_with_the_reason_and_delivery_goes_on(
        self, bus: BusUnderTest
    ) -> None:
        applied: list[str] = []
        tries: list[str] = []

        async def handle(event: ClockStarted, envelope: Envelope) -> None:
            tries.append(event.case_id)
            if event.case_id == "bad":
                raise ValueError("cannot handle this one")
            applied.append(event.case_id)

        await bus.start(router_of(handle), max_attempts=2)
        await bus.send_raw(b"this is not an envelope")
        await bus.send(envelope_for(clock("bad"), source=SOURCE))
        await bus.send(envelope_for(clock("good"), source=SOURCE))
        await bus.settle(lambda: "good" in applied)
        dead = await bus.dead_letters(at_least=2)
        reasons = sorted(d.reason for d in dead)
        assert any(r.startswith("handler failed 2 times") and "cannot handle" in r for r in reasons)
        assert any(r.startswith("unreadable envelope") for r in reasons)
        assert any(d.value == "this is not an envelope" for d in dead)
        assert tries.count("bad") == 2
        assert applied == ["good"]

    async def test_an_outage_is_retried_not_dead_lettered(self, bus: BusUnderTest) -> None:
        failures = {"left": 4}
        applied: list[str] = []

        async def flaky(event: ClockStarted, envelope: Envelope) -> None:
            if failures["left"]:
                failures["left"] -= 1
                raise AutoReconnect("store briefly unreachable")
            applied.append(event.case_id)

        await bus.start(router_of(flaky), max_attempts=2)  # fewer attempts than failures
        await bus.send(envelope_for(clock("outage"), source=SOURCE))
        await bus.settle(lambda: applied == ["outage"])
        assert failures["left"] == 0

    async def test_an_event_nobody_here_handles_is_passed_over(self, bus: BusUnderTest) -> None:
        applied: list[str] = []

        async def handle(event: ClockStarted, envelope: Envelope) -> None:
            applied.append(event.case_id)

        await bus.start(router_of(handle), max_attempts=2)
        other = MessageDeadLettered(
            consumer_group="g",
            topic="t",
            partition=0,
            offset=0,
            key=None,
            value="",
            reason="r",
            attempts=1,
        )
        await bus.send(envelope_for(other, source=SOURCE))
        await bus.send(envelope_for(clock("next"), source=SOURCE))
        await bus.settle(lambda: applied == ["next"])

"""What happens when a decision arrives: the clocks it names start, once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sprg_scheduler.adapters.repository import ClockRepository
from sprg_scheduler.domain.clocks import clocks_from
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.events import CaseAssessed, ClockStarted
from sprg_shared.ids import stable_id
from sprg_shared.tracing import child_traceparent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulerDeps:
    repo: ClockRepository
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    calendar_version: str


async def on_case_assessed(event: CaseAssessed, envelope: Envelope, deps: SchedulerDeps) -> None:
    for clock in clocks_from(
        event, event_id=envelope.id, now=deps.now(), calendar_version=deps.calendar_version
    ):
        await deps.repo.add(clock)
        # Published whether or not this delivery stored it: a crash after the store and
        # before the publish must still announce the clock (the id makes it harmless).
        started = ClockStarted(
            clock_id=clock.clock_id,
            case_id=clock.case_id,
            kind=clock.kind,
            anchor=clock.anchor,
            anchor_date=clock.anchor_date,
            due=clock.due,
            calendar_version=clock.calendar_version,
            started_by=clock.started_by,
        )
        await deps.publish(
            started,
            stable_id("clock.started", clock.clock_id, clock.due.isoformat()),
            child_traceparent(envelope.traceparent),
        )
        log.info(
            "clock started",
            extra={"case_id": clock.case_id, "kind": clock.kind, "due": clock.due.isoformat()},
        )

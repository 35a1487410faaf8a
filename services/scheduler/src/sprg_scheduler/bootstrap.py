"""Builds the scheduler's adapters from its settings and the runtime."""

from __future__ import annotations

from datetime import UTC, datetime

from sprg_scheduler.adapters.repository import ClockRepository
from sprg_scheduler.handlers import SchedulerDeps
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.runtime import Runtime

SERVICE = "scheduler"


def build_deps(runtime: Runtime, settings: SchedulerSettings) -> SchedulerDeps:
    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        return await runtime.publish(event, event_id=event_id, traceparent=traceparent)

    return SchedulerDeps(
        repo=ClockRepository(runtime.db),
        publish=publish,
        now=lambda: datetime.now(UTC),
        calendar_version=WorkingDayCalendar().version,
    )

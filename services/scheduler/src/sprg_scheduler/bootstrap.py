"""Builds the scheduler's adapters from its settings and the runtime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.resources import files

from sprg_scheduler.adapters.calendar_store import CalendarStore
from sprg_scheduler.adapters.claims import FiringClaims
from sprg_scheduler.adapters.duty_store import DutyScheduleStore
from sprg_scheduler.adapters.metrics import ClockGauges
from sprg_scheduler.adapters.repository import ClockRepository
from sprg_scheduler.domain.kinds import ClockKinds
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_scheduler.handlers.calendar import CalendarDeps
from sprg_scheduler.handlers.clocks import SchedulerDeps
from sprg_scheduler.handlers.duties import DutyDeps
from sprg_scheduler.handlers.firing import FiringConfig, FiringLoop
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.runtime import Runtime

SERVICE = "scheduler"


def policy_from(settings: SchedulerSettings) -> ReminderPolicy:
    return ReminderPolicy(
        offsets=settings.reminder_offsets,
        reminder_hour=settings.reminder_hour,
        breach_hour=settings.breach_hour,
    )


def kinds_from(settings: SchedulerSettings) -> ClockKinds:
    if settings.clock_kinds_file is not None:
        return ClockKinds.parse(settings.clock_kinds_file.read_text(encoding="utf-8"))
    packaged = files("sprg_scheduler").joinpath("config", "clock_kinds.yaml")
    return ClockKinds.parse(packaged.read_text(encoding="utf-8"))


def build_calendar(runtime: Runtime, deps: SchedulerDeps) -> CalendarDeps:
    return CalendarDeps(store=CalendarStore(runtime.db), clocks=deps)


def build_duties(runtime: Runtime, deps: SchedulerDeps) -> DutyDeps:
    return DutyDeps(store=DutyScheduleStore(runtime.db), clocks=deps)


def build_deps(
    runtime: Runtime, settings: SchedulerSettings, now: Callable[[], datetime] | None = None
) -> SchedulerDeps:
    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        return await runtime.publish(event, event_id=event_id, traceparent=traceparent)

    calendar = WorkingDayCalendar()
    return SchedulerDeps(
        repo=ClockRepository(runtime.db),
        publish=publish,
        now=now or (lambda: datetime.now(UTC)),
        calendar_version=calendar.version,
        calendar=calendar,
        policy=policy_from(settings),
        kinds=kinds_from(settings),
    )


def build_firing(
    deps: SchedulerDeps, settings: SchedulerSettings, gauges: ClockGauges | None
) -> FiringLoop:
    return FiringLoop(
        repo=deps.repo,
        claims=FiringClaims(
            deps.repo, settings.instance_id, timedelta(seconds=settings.lease_seconds)
        ),
        publish=deps.publish,
        now=deps.now,
        policy=deps.policy,
        calendar=lambda: deps.calendar,
        config=FiringConfig(
            batch_size=settings.fire_batch,
            concurrency=settings.fire_concurrency,
            gauge_refresh_seconds=settings.gauge_refresh_seconds,
        ),
        gauges=gauges,
    )

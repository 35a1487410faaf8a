"""The one place the scheduler is put together.

``compose(settings, clocks=, bus=, now=, claims=)`` wires the clock handlers to the clock store
and bus it is given and subscribes them to the decisions and intake's facts, and, given claims,
the firing loop that publishes reminders and breaches (``Scheduler.firing.tick()``);
``build(settings)`` is the service as it runs (FastAPI app whose start-up composes it on the
store and Kafka, reads the calendar version in force first, and runs the calendar, duty and
firing loops beside it). The
unit tier calls ``compose`` with ``adapters.memory`` and ``sprg_shared.loopback``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib.resources import files
from typing import Any

from fastapi import FastAPI

from sprg_scheduler.adapters.calendar_store import CalendarStore
from sprg_scheduler.adapters.claims import FiringClaims
from sprg_scheduler.adapters.duty_store import DutyScheduleStore
from sprg_scheduler.adapters.metrics import ClockGauges
from sprg_scheduler.adapters.ports import ClaimStore, ClockStore
from sprg_scheduler.adapters.repository import ClockRepository
from sprg_scheduler.domain.kinds import ClockKinds
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_scheduler.entrypoints.api import add_routes
from sprg_scheduler.handlers import calendar as calendar_admin
from sprg_scheduler.handlers import clocks as handlers
from sprg_scheduler.handlers import duties as duty_handlers
from sprg_scheduler.handlers import meetings, targets
from sprg_scheduler.handlers.calendar import CalendarDeps
from sprg_scheduler.handlers.clocks import SchedulerDeps
from sprg_scheduler.handlers.duties import DutyDeps
from sprg_scheduler.handlers.firing import FiringConfig, FiringLoop
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared import concerns, topics
from sprg_shared.bus import Router
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.decisions import CaseAssessed, SubjectDecided
from sprg_shared.contracts.intake import (
    ActionRecorded,
    CaseNoticeRecorded,
    InformationRequested,
    LcsprProgressed,
    LcsprPublicationRecorded,
    MeetingScheduled,
    RapidReviewClosed,
    RapidReviewHeld,
    RapidReviewSentToPanel,
    ReturnReceived,
)
from sprg_shared.ports import Bus, Publishes, RuntimeBus, publisher
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service

SERVICE = "scheduler"
log = logging.getLogger(__name__)
Now = Callable[[], datetime]  # a time source (not a statutory clock)


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


# Which handler acts on which decision or fact.
ROUTES = (
    (CaseAssessed, handlers.on_case_assessed),
    (SubjectDecided, handlers.on_subject_decided),
    (InformationRequested, handlers.on_information_requested),
    (ReturnReceived, handlers.on_return_received),
    (ActionRecorded, handlers.on_action_recorded),
    (RapidReviewHeld, handlers.on_rapid_review_held),
    (RapidReviewSentToPanel, handlers.on_sent_to_panel),
    (RapidReviewClosed, handlers.on_rapid_review_closed),
    (CaseNoticeRecorded, handlers.on_notice_recorded),
    (LcsprProgressed, handlers.on_lcspr_progressed),
    (LcsprPublicationRecorded, handlers.on_lcspr_publication),
)


def build_calendar(runtime: Runtime, deps: SchedulerDeps) -> CalendarDeps:
    return CalendarDeps(store=CalendarStore(runtime.db), clocks=deps)


def build_duties(runtime: Runtime, deps: SchedulerDeps) -> DutyDeps:
    return DutyDeps(store=DutyScheduleStore(runtime.db), clocks=deps)


def clock_deps(
    settings: SchedulerSettings,
    *,
    clocks: ClockStore,
    bus: Publishes,
    now: Now | None = None,
) -> SchedulerDeps:
    calendar = WorkingDayCalendar()
    return SchedulerDeps(
        repo=clocks,
        publish=publisher(bus, f"sprg/{SERVICE}"),
        now=now or (lambda: datetime.now(UTC)),
        calendar_version=calendar.version,
        calendar=calendar,
        policy=policy_from(settings),
        kinds=kinds_from(settings),
    )


def subscribe(
    settings: SchedulerSettings,
    deps: SchedulerDeps,
    bus: Bus,
    observers: Sequence[tuple[Sequence[type[Any]], Callable[[Any], Any]]] = (),
    more: Sequence[tuple[type[Any], Callable[..., Any]]] = (),
) -> Router:
    """Subscribe the handlers (``ROUTES`` on ``deps``, then ``more`` as given) before the
    consumer starts, so no event arrives at a router without its handler."""
    router = Router()
    for events, observer in observers:
        router.observe(events, observer)
    for event, handler in ROUTES:
        router.on(event, partial(handler, deps=deps))
    for event, bound in more:
        router.on(event, bound)
    bus.consume(settings.consumer_group, [topics.DECISIONS, topics.INTAKE], router)
    return router


@dataclass(frozen=True)
class Scheduler:
    deps: SchedulerDeps
    router: Router
    firing: FiringLoop | None = None


async def compose(
    settings: SchedulerSettings,
    *,
    clocks: ClockStore,
    bus: Bus,
    now: Now | None = None,
    claims: ClaimStore | None = None,
) -> Scheduler:
    """The clock handlers on these adapters, subscribed, and the firing loop on ``claims``
    when given (ticked by the caller; ``build`` runs it, and the other loops, itself)."""
    deps = clock_deps(settings, clocks=clocks, bus=bus, now=now)
    await clocks.ensure_indexes()
    firing = None if claims is None else build_firing(deps, settings, None, clocks, claims)
    return Scheduler(deps=deps, router=subscribe(settings, deps, bus), firing=firing)


def build_firing(
    deps: SchedulerDeps,
    settings: SchedulerSettings,
    gauges: ClockGauges | None,
    repo: ClockStore,
    claims: ClaimStore,
) -> FiringLoop:
    """The firing loop on these clocks and this replica's claims."""
    return FiringLoop(
        repo=repo,
        claims=claims,
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


async def _follow_calendar(deps: calendar_admin.CalendarDeps, interval: float) -> None:
    """Every replica picks up a version another replica confirmed within a tick."""
    while True:
        try:
            await calendar_admin.refresh(deps)
        except Exception:
            log.exception("reading the calendar version failed; retrying")
        await asyncio.sleep(interval)


async def _follow_targets(deps: targets.TargetDeps, interval: float) -> None:
    """Every replica puts the local targets another replica activated in force within a tick."""
    while True:
        await asyncio.sleep(interval)
        try:
            await targets.refresh(deps)
        except Exception:
            log.exception("reading the local targets failed; retrying")


async def _keep_duties(deps: duty_handlers.DutyDeps, interval: float) -> None:
    """Duty clocks for the schedule's horizon, which moves on day by day."""
    while True:
        try:
            await duty_handlers.sync(deps)
        except Exception:
            log.exception("syncing the duty clocks failed; retrying")
        await asyncio.sleep(interval)


def build(settings: SchedulerSettings | None = None) -> FastAPI:
    """The service as it runs."""

    async def setup(
        app: FastAPI, runtime: Runtime, settings: SchedulerSettings, background: Background
    ) -> None:
        repo = ClockRepository(runtime.db)
        bus = RuntimeBus(runtime)
        deps = clock_deps(settings, clocks=repo, bus=bus)
        app.state.deps = deps
        app.state.calendar = build_calendar(runtime, deps)
        await repo.ensure_indexes()
        await calendar_admin.refresh(app.state.calendar)
        background.run(_follow_calendar(app.state.calendar, settings.tick_seconds), "calendar")
        app.state.duties = build_duties(runtime, deps)
        background.run(_keep_duties(app.state.duties, settings.duty_sync_seconds), "duties")
        app.state.concerns = concerns.Concerns(runtime.db)
        await app.state.concerns.ensure_indexes()
        # Who each case, request and action concerns, for an agency's reads.
        # One meeting identity: a meeting recorded in intake is on the schedule.
        subscribe(
            settings,
            deps,
            bus,
            observers=[(concerns.EVENTS, app.state.concerns.note)],
            more=[
                (MeetingScheduled, partial(meetings.on_meeting_scheduled, deps=app.state.duties))
            ],
        )
        lease = timedelta(seconds=settings.lease_seconds)
        claims = FiringClaims(repo, settings.instance_id, lease)
        firing = build_firing(deps, settings, ClockGauges(runtime.registry), repo, claims)
        app.state.targets = targets.TargetDeps(
            runtime.db, deps, deps.kinds, deps.policy, on_policy=firing.use_policy
        )
        await targets.refresh(app.state.targets)  # before a clock starts on the shipped ones
        background.run(_follow_targets(app.state.targets, settings.tick_seconds), "targets")
        await firing.ensure_indexes()
        background.run(firing.run(settings.tick_seconds), "clock-firing")

    app = build_service(
        service=SERVICE,
        title="SPRG scheduler",
        description="Every statutory clock, counted in working days.",
        load_settings=lambda: settings or SchedulerSettings(),
        setup=setup,
    )
    add_routes(app)
    return app

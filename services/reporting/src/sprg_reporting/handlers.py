"""What happens when an event arrives (fold it) and when a report is asked for (produce it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from sprg_reporting.adapters.repository import LEGACY_CASE_VIEW, ReadModels
from sprg_reporting.domain import projection
from sprg_reporting.domain.facts import FOLDS, Change, Meta
from sprg_reporting.domain.periods import Period, parse_period
from sprg_reporting.domain.report import Report, produce
from sprg_shared.bus import Router
from sprg_shared.envelope import Envelope, EventData, UnknownEventType, read_event
from sprg_shared.events import (
    CaseAssessed,
    ClockBreached,
    ClockMet,
    ClockRecalculated,
    ClockReminderDue,
    ClockStarted,
    ClockStopped,
    IncidentReported,
    NotificationSent,
    ReportPublished,
    SinSubmitted,
)
from sprg_shared.ids import new_id
from sprg_shared.store import Document

# The per-case view behind GET /v1/cases/{id} and /v1/summary.
_CASE_VIEW: dict[type[EventData], Callable[[Any], Document]] = {
    IncidentReported: projection.incident_reported,
    CaseAssessed: projection.case_assessed,
    ClockStarted: projection.clock_started,
    NotificationSent: projection.notification_sent,
    SinSubmitted: projection.sin_submitted,
    ClockReminderDue: projection.clock_reminded,
    ClockBreached: projection.clock_breached,
    ClockMet: projection.clock_met,
    ClockStopped: projection.clock_stopped,
    ClockRecalculated: projection.clock_recalculated,
}


def changes_for(event: EventData, envelope: Envelope) -> list[Change]:
    """Every read-model change an event makes (pure)."""
    found: list[Change] = []
    project = _CASE_VIEW.get(type(event))
    if project is not None:
        found.append(Change(LEGACY_CASE_VIEW, envelope.subject, set=project(event)))
    dated = FOLDS.get(type(event))
    if dated is not None:
        found.extend(dated(event, Meta(envelope.id, envelope.time.date())))
    return found


async def fold(
    event: EventData,
    envelope: Envelope,
    *,
    models: ReadModels,
    count: Callable[[EventData], None] = lambda _event: None,
) -> None:
    await models.apply(changes_for(event, envelope))
    count(event)


def router(models: ReadModels, count: Callable[[EventData], None] = lambda _event: None) -> Router:
    routes = Router()

    async def handle(event: EventData, envelope: Envelope) -> None:
        await fold(event, envelope, models=models, count=count)

    for model in {*_CASE_VIEW, *FOLDS}:
        routes.on(model, handle)
    return routes


# FerretDB v1 (SQLite) wedged on one bulk write of 500 upserts; 100 at a time is fine.
_REBUILD_BATCH = 100


def report_path(period: Period) -> str:
    return f"/v1/reports/{period.kind}/{period.label}"


async def build_report(models: ReadModels, kind: str, period_text: str) -> Report:
    """The report for a period as it stood at its end (raises BadPeriod)."""
    period = parse_period(kind, period_text)
    return produce(await models.snapshot(), period)


@dataclass(frozen=True)
class Produced:
    report: Report
    announcement: ReportPublished


async def produce_report(
    models: ReadModels,
    publish: Callable[[ReportPublished, str], Awaitable[None]],
    kind: str,
    period_text: str,
    now: datetime | None = None,
) -> Produced:
    """Produce a report, keep it, and announce it on the bus (the scheduler's duty calls this)."""
    report = await build_report(models, kind, period_text)
    produced_at = now or datetime.now(UTC)
    period = parse_period(kind, period_text)
    counts = {k: int(v) for k, v in report.headline.items() if isinstance(v, int)}
    announcement = ReportPublished(
        report_id=report.report_id,
        kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        produced_at=produced_at,
        path=report_path(period) + "/report.html",
        counts=counts,
    )
    await models.save_report(
        {
            "_id": report.report_id,
            "kind": period.kind,
            "period": period.label,
            "produced_at": produced_at,
            "path": announcement.path,
            # As JSON text: FerretDB v1 stores no arrays of arrays (the tables' rows).
            "report": report.model_dump_json(),
        }
    )
    await publish(announcement, new_id())
    return Produced(report, announcement)


async def rebuild(models: ReadModels, envelopes: Sequence[Envelope]) -> int:
    """Drop the read models and fold ``envelopes`` (a replay from the topics' start) again.

    Folds are idempotent, so an event the live consumer applies meanwhile, or an event
    that appears twice on a topic, changes nothing. Returns how many events were folded.
    """
    await models.drop()
    routes = router(models)
    folded, pending = 0, []
    for envelope in envelopes:
        if not routes.handles(envelope):
            continue
        try:
            event = read_event(envelope)
        except (UnknownEventType, ValidationError):
            continue  # the live consumer dead-lettered it
        pending.extend(changes_for(event, envelope))
        folded += 1
        if len(pending) >= _REBUILD_BATCH:
            await models.apply_many(pending)
            pending = []
    await models.apply_many(pending)
    return folded

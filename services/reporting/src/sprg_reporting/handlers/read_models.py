"""What happens when an event arrives (fold it) and when a report is asked for (produce it)."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from sprg_reporting.adapters.ports import ReadModelStore
from sprg_reporting.adapters.repository import CASE_VIEW
from sprg_reporting.domain import projection
from sprg_reporting.domain.dated_models import FOLDS, Change, Meta
from sprg_reporting.domain.folded import Folded
from sprg_reporting.domain.periods import Period, parse_period, period_for_duty
from sprg_reporting.domain.report import Report, produce
from sprg_shared.bus import Router
from sprg_shared.contracts.clocks import (
    ClockBreached,
    ClockMet,
    ClockPaused,
    ClockRecalculated,
    ClockReminderDue,
    ClockResumed,
    ClockStarted,
    ClockStopped,
    DutyDue,
)
from sprg_shared.contracts.decisions import CaseAssessed
from sprg_shared.contracts.intake import IncidentReported, SinSubmitted
from sprg_shared.contracts.notifications import NotificationSent
from sprg_shared.contracts.reports import ReportPublished
from sprg_shared.envelope import Envelope, EventData, UnknownEventType, read_event
from sprg_shared.ids import new_id, stable_id
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
    ClockPaused: projection.clock_paused,
    ClockResumed: projection.clock_resumed,
}


def changes_for(event: EventData, envelope: Envelope) -> list[Change]:
    """Every read-model change an event makes (pure)."""
    found: list[Change] = []
    project = _CASE_VIEW.get(type(event))
    if project is not None:
        found.append(Change(CASE_VIEW, envelope.subject, set=project(event)))
    dated = FOLDS.get(type(event))
    if dated is not None:
        found.extend(dated(event, Meta(envelope.id, envelope.time.date())))
    return found


async def fold(
    event: EventData,
    envelope: Envelope,
    *,
    models: ReadModelStore,
    count: Callable[[EventData], None] = lambda _event: None,
) -> None:
    await models.apply(changes_for(event, envelope))
    count(event)


Publish = Callable[[ReportPublished, str], Awaitable[None]]


def router(
    models: ReadModelStore,
    count: Callable[[EventData], None] = lambda _event: None,
    publish: Publish | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Router:
    """Folds every fact; with ``publish``, also produces the reports duties ask for."""
    routes = Router()

    async def handle(event: EventData, envelope: Envelope) -> None:
        await fold(event, envelope, models=models, count=count)

    for model in {*_CASE_VIEW, *FOLDS}:
        routes.on(model, handle)
    if publish is not None:

        async def duty(event: DutyDue, envelope: Envelope) -> None:
            await on_duty_due(event, models=models, publish=publish, now=now())

        routes.on(DutyDue, duty)
    return routes


# Changes per bulk write in a rebuild: one round trip per thousand upserts.
def report_path(period: Period) -> str:
    return f"/v1/reports/{period.kind}/{period.label}"


async def build_report(
    models: ReadModelStore, kind: str, period_text: str, as_of: date | None = None
) -> Report:
    """The report for a period as it stood at its end, or at ``as_of`` if earlier
    (raises BadPeriod)."""
    period = parse_period(kind, period_text)
    return produce(await models.snapshot(), period, as_of)


@dataclass(frozen=True)
class Produced:
    report: Report
    announcement: ReportPublished


async def produce_report(
    models: ReadModelStore,
    publish: Publish,
    kind: str,
    period_text: str,
    now: datetime | None = None,
    *,
    as_of: date | None = None,
    event_id: str | None = None,
) -> Produced:
    """Produce a report, keep it, and announce it on the bus (``event_id``: the
    announcement's id, new unless given)."""
    report = await build_report(models, kind, period_text, as_of)
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
            "report": report.model_dump(mode="json"),
        }
    )
    await publish(announcement, event_id or new_id())
    return Produced(report, announcement)


async def on_duty_due(
    event: DutyDue, *, models: ReadModelStore, publish: Publish, now: datetime
) -> Produced | None:
    """A scheduler duty fell due: produce and announce the report it asks for, once.

    Which report is ``period_for_duty``'s choice; it is produced as it stands on the
    duty's due date (a bi-monthly report is due a few days before its period ends), so a
    late or repeated delivery gives the same figures. Other duties and reminders do
    nothing. Once per duty: the announcement's event id is derived from the duty and the
    report, and the duty is recorded as done only after the announcement is on the bus.
    A redelivery after that does nothing; one after a crash between the two publishes
    again under the same id, which consumers (their ledgers, the notifier's delivery
    ids) recognise as the same announcement.
    """
    period = period_for_duty(event.duty, event.stage, event.due, event.details)
    if period is None or await models.duty_done(event.duty_id):
        return None
    event_id = stable_id("report.published", event.duty_id, period.report_id)
    produced = await produce_report(
        models, publish, period.kind, period.label, now, as_of=event.due, event_id=event_id
    )
    await models.record_duty(
        {
            "_id": event.duty_id,
            "duty": event.duty,
            "report_id": period.report_id,
            "announcement_id": event_id,
            "produced_at": produced.announcement.produced_at,
        }
    )
    return produced


async def rebuild(
    models: ReadModelStore,
    envelopes: Iterable[Envelope],
    progress: Callable[[int], None] | None = None,
    every: int = 100_000,
) -> int:
    """Drop the read models and fold ``envelopes`` (a replay from the topics' start) again.

    The models are dropped before the replay is read, so the end it reads to comes after
    the drop: an event the live consumer applied before the drop is in the replay, and one
    it applies after is on the store when ours are written (below). The envelopes are
    folded as they come, so a rebuild holds the documents it makes, not the log.

    The documents are folded in memory and each written once (a million events make 1.4
    million changes but a few hundred thousand documents). Folds are idempotent, so an
    event the live consumer applies meanwhile, or an event that appears twice on a topic,
    changes nothing. Returns how many events were folded; ``progress`` is told the count
    every ``every`` events read.
    """
    await models.drop()
    folded_types = {*_CASE_VIEW, *FOLDS}  # what ``router`` routes, without reports
    count, documents = 0, Folded()
    collecting = gc.isenabled()
    gc.disable()  # the fold makes millions of objects that all live: nothing to collect
    try:
        for read, envelope in enumerate(envelopes, 1):
            if progress is not None and read % every == 0:
                progress(read)
            try:
                event = read_event(envelope)  # once: the payload is validated once per event
            except (UnknownEventType, ValidationError):
                continue  # the live consumer dead-lettered it
            if type(event) not in folded_types:
                continue
            documents.fold(changes_for(event, envelope))
            count += 1
    finally:
        if collecting:
            gc.enable()
    await models.write_folded(documents)
    return count

"""Every event folds into the read models."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sprg_reporting.adapters.repository import ReadModels
from sprg_reporting.domain import projection
from sprg_shared.bus import Router
from sprg_shared.envelope import Envelope, EventData
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
    SinSubmitted,
)
from sprg_shared.store import Document

_PROJECTIONS: dict[type[EventData], Callable[[Any], Document]] = {
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


async def fold(
    event: EventData,
    envelope: Envelope,
    *,
    models: ReadModels,
    project: Callable[[Any], Document],
    count: Callable[[EventData], None],
) -> None:
    await models.set_case_fields(envelope.subject, project(event))
    count(event)


def router(models: ReadModels, count: Callable[[EventData], None] = lambda _event: None) -> Router:
    routes = Router()
    for model, project in _PROJECTIONS.items():
        routes.on(model, partial(fold, models=models, project=project, count=count))
    return routes

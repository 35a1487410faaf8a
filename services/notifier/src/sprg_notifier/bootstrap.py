"""Builds the notifier's adapters from its settings and the runtime."""

from __future__ import annotations

from datetime import UTC, datetime

from sprg_notifier.adapters.email import SmtpSender
from sprg_notifier.adapters.repository import NotifierRepository
from sprg_notifier.domain.render import Templates
from sprg_notifier.handlers import NotifierDeps
from sprg_notifier.settings import NotifierSettings
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.runtime import Runtime

SERVICE = "notifier"


def build_deps(runtime: Runtime, settings: NotifierSettings) -> NotifierDeps:
    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        return await runtime.publish(event, event_id=event_id, traceparent=traceparent)

    return NotifierDeps(
        repo=NotifierRepository(runtime.db),
        email=SmtpSender(settings),
        templates=Templates(),
        publish=publish,
        now=lambda: datetime.now(UTC),
        case_link_base=settings.case_link_base,
    )

"""Builds the notifier's adapters from its settings and the runtime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from prometheus_client import Counter

from sprg_notifier.adapters.channels import SmtpChannel, WebhookChannel
from sprg_notifier.adapters.repository import NotifierRepository
from sprg_notifier.domain.render import Templates
from sprg_notifier.handlers.events import NotifierDeps
from sprg_notifier.settings import NotifierSettings
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.runtime import Runtime

SERVICE = "notifier"
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def build_deps(
    runtime: Runtime, settings: NotifierSettings, now: Clock = system_clock
) -> NotifierDeps:
    async def publish(event: EventData, event_id: str, traceparent: str | None) -> Envelope:
        return await runtime.publish(event, event_id=event_id, traceparent=traceparent)

    http = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)
    runtime.async_closers.append(http.aclose)
    return NotifierDeps(
        repo=NotifierRepository(runtime.db),
        email=SmtpChannel(settings),
        webhook=WebhookChannel(settings, http),
        templates=Templates(),
        publish=publish,
        now=now,
        console_url=settings.console_url,
        attempts=settings.delivery_attempts,
        backoff_seconds=settings.retry_backoff_seconds,
        outcomes=Counter(
            "sprg_notifier_notifications",
            "Notifications by channel and template; result: sent, failed, retried (one more"
            " try after a refusal) or queued (for a daily digest)",
            ["channel", "template", "result"],
            registry=runtime.registry,
        ),
        digest_at=settings.digest_at,
        digest_lease_seconds=settings.digest_lease_seconds,
    )

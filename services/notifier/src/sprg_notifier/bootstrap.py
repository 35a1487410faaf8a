"""The one place the notifier is put together.

``compose(settings, repository=, bus=, channels=, now=)`` wires the handlers to the store, the
bus and the channels it is given and subscribes them; ``build(settings)`` is the service as it
runs (FastAPI app whose start-up composes it on the real store, Kafka, SMTP and HTTP, and runs
the digest loop beside it). The unit tier calls ``compose`` with ``adapters.memory`` and
``sprg_shared.loopback``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter

from sprg_notifier.adapters.channels import SmtpChannel, WebhookChannel
from sprg_notifier.adapters.ports import EmailSender, NotifierStore, WebhookSender
from sprg_notifier.adapters.repository import NotifierRepository
from sprg_notifier.domain.render import Templates
from sprg_notifier.domain.subscriptions import load_subscriptions
from sprg_notifier.entrypoints.admin_api import add_routes
from sprg_notifier.handlers import events as handlers
from sprg_notifier.handlers.digests import run_digests
from sprg_notifier.handlers.events import NotifierDeps
from sprg_notifier.settings import NotifierSettings
from sprg_shared import topics
from sprg_shared.bus import Router
from sprg_shared.envelope import registered_types
from sprg_shared.ports import Bus, RuntimeBus, publisher
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service

SERVICE = "notifier"
Now = Callable[[], datetime]  # a time source (not a statutory clock)
# Subscriptions change at run time (admin API), so every event on these topics is offered.
# Intake's facts are among them: an information request tells the agency asked at once.
TOPICS = (topics.INTAKE, topics.DECISIONS, topics.CLOCKS, topics.REPORTS)


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Channels:
    email: EmailSender
    webhook: WebhookSender


@dataclass(frozen=True)
class Notifier:
    deps: NotifierDeps
    router: Router


async def compose(
    settings: NotifierSettings,
    *,
    repository: NotifierStore,
    bus: Bus,
    channels: Channels,
    registry: CollectorRegistry,
    now: Now = system_now,
) -> Notifier:
    """The notifier on these adapters: store ready, shipped subscriptions seeded, handlers
    subscribed to ``TOPICS`` on ``bus``."""
    deps = NotifierDeps(
        repo=repository,
        email=channels.email,
        webhook=channels.webhook,
        templates=Templates(),
        publish=publisher(bus, f"sprg/{SERVICE}"),
        now=now,
        console_url=settings.console_url,
        attempts=settings.delivery_attempts,
        backoff_seconds=settings.retry_backoff_seconds,
        outcomes=Counter(
            "sprg_notifier_notifications",
            "Notifications by channel and template; result: sent, failed, retried (one more"
            " try after a refusal) or queued (for a daily digest)",
            ["channel", "template", "result"],
            registry=registry,
        ),
        digest_at=settings.digest_at,
        digest_lease_seconds=settings.digest_lease_seconds,
    )
    await repository.ensure_indexes()
    shipped = load_subscriptions(deps.templates.names())
    await repository.seed_subscriptions(shipped.subscriptions)
    router = Router()
    for model in registered_types().values():
        if model.TOPIC in TOPICS:
            router.on(model, partial(handlers.on_event, deps=deps))
    bus.consume(settings.consumer_group, TOPICS, router)
    return Notifier(deps=deps, router=router)


def build(settings: NotifierSettings | None = None, now: Now = system_now) -> FastAPI:
    """The service as it runs; ``now`` is the time source (tests pass a controllable one)."""

    async def setup(
        app: FastAPI, runtime: Runtime, settings: NotifierSettings, background: Background
    ) -> None:
        http = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)
        runtime.async_closers.append(http.aclose)
        smtp = SmtpChannel(settings)
        runtime.async_closers.append(smtp.close)
        notifier = await compose(
            settings,
            repository=NotifierRepository(runtime.db),
            bus=RuntimeBus(runtime),
            channels=Channels(smtp, WebhookChannel(settings, http)),
            registry=runtime.registry,
            now=now,
        )
        app.state.deps = notifier.deps
        background.run(run_digests(notifier.deps, settings.digest_poll_seconds), "digests")

    app = build_service(
        service=SERVICE,
        title="SPRG notifier",
        description="The right people told, once, by e-mail or webhook.",
        load_settings=lambda: settings or NotifierSettings(),
        setup=setup,
    )
    add_routes(app)
    return app

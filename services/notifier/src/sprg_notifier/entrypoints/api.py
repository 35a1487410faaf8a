"""The notifier's HTTP entry point and consumer wiring; the routes are in ``admin_api``."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from sprg_notifier.bootstrap import SERVICE, Clock, build_deps, system_clock
from sprg_notifier.domain.subscriptions import load_subscriptions
from sprg_notifier.entrypoints.admin_api import add_routes
from sprg_notifier.handlers import events as handlers
from sprg_notifier.handlers.digests import run_digests
from sprg_notifier.settings import NotifierSettings
from sprg_shared import topics
from sprg_shared.bus import Router
from sprg_shared.envelope import registered_types
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service

# Subscriptions change at run time (admin API), so every event on these topics is offered.
# Intake's facts are among them: an information request tells the agency asked at once.
TOPICS = (topics.INTAKE, topics.DECISIONS, topics.CLOCKS, topics.NOTIFY, topics.REPORTS)


def create_app(settings: NotifierSettings | None = None, now: Clock = system_clock) -> FastAPI:
    """The app; ``now`` is the clock (tests pass a controllable one)."""

    async def setup(
        app: FastAPI, runtime: Runtime, settings: NotifierSettings, background: Background
    ) -> None:
        deps = build_deps(runtime, settings, now)
        app.state.deps = deps
        await deps.repo.ensure_indexes()
        shipped = load_subscriptions(deps.templates.names())
        await deps.repo.seed_subscriptions(shipped.subscriptions)
        router = Router()
        for model in registered_types().values():
            if model.TOPIC in TOPICS:
                router.on(model, partial(handlers.on_event, deps=deps))
        runtime.consume(settings.consumer_group, TOPICS, router)
        background.run(run_digests(deps, settings.digest_poll_seconds), "digests")

    app = build_service(
        service=SERVICE,
        title="SPRG notifier",
        description="The right people told, once, by e-mail or webhook.",
        load_settings=lambda: settings or NotifierSettings(),
        setup=setup,
    )
    add_routes(app)
    return app

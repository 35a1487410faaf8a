"""The one place reporting is put together.

``compose(settings, models=, bus=, registry=)`` subscribes the folds (and the reports duties
ask for) to the bus and gives the ``publish`` that announces a produced report;
``build(settings)`` is the service as it runs (FastAPI app whose start-up composes it on the
store and Kafka). The unit tier calls ``compose`` with ``adapters.memory`` and
``sprg_shared.loopback``. ``rebuild(settings)`` and ``produce(settings, kind, period)`` are the
``sprg reporting`` commands' (offered through ``sprg_reporting.public``), composed here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from sprg_reporting.adapters.metrics import ClockOutcomes
from sprg_reporting.adapters.ports import ReadModelStore
from sprg_reporting.adapters.replay import envelopes
from sprg_reporting.adapters.repository import ReadModels
from sprg_reporting.entrypoints.api import add_routes
from sprg_reporting.handlers import read_models as handlers
from sprg_reporting.settings import ReportingSettings
from sprg_shared.bus import Producer
from sprg_shared.calendar import london_today
from sprg_shared.contracts.reports import ReportPublished
from sprg_shared.envelope import envelope_for
from sprg_shared.metrics import bus_metrics
from sprg_shared.ports import Bus, Publishes, RuntimeBus
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service
from sprg_shared.store import make_client

SERVICE = "reporting"
SOURCE = f"sprg/{SERVICE}"


def publisher(bus: Publishes, settings: ReportingSettings) -> handlers.Publish:
    """Announce a produced report on the reports topic."""

    async def publish(event: ReportPublished, event_id: str) -> None:
        envelope = envelope_for(event, source=SOURCE, event_id=event_id)
        await bus.publish(settings.reports_topic, envelope)

    return publish


@dataclass(frozen=True)
class Reporting:
    models: ReadModelStore
    publish: handlers.Publish


async def compose(
    settings: ReportingSettings,
    *,
    models: ReadModelStore,
    bus: Bus,
    registry: CollectorRegistry,
) -> Reporting:
    """Reporting on these adapters: read models ready, ``settings.consumers`` members of its
    group folding ``settings.source_topics``."""
    publish = publisher(bus, settings)
    await models.ensure_indexes()
    count = ClockOutcomes(registry).count
    for _ in range(settings.consumers):
        bus.consume(
            settings.consumer_group,
            settings.source_topics,
            handlers.router(models, count, publish=publish),
        )
    return Reporting(models=models, publish=publish)


def build(
    settings: ReportingSettings | None = None, today: Callable[[], date] = london_today
) -> FastAPI:
    """The service as it runs; ``today``: the day reports of periods not over yet stand at
    (tests give their own)."""

    async def setup(
        app: FastAPI, runtime: Runtime, settings: ReportingSettings, background: Background
    ) -> None:
        reporting = await compose(
            settings,
            models=ReadModels(runtime.db),
            bus=RuntimeBus(runtime),
            registry=runtime.registry,
        )
        app.state.models = reporting.models
        app.state.publish = reporting.publish

    app = build_service(
        service=SERVICE,
        title="SPRG reporting",
        description="Read models and reports, from the event log.",
        load_settings=lambda: settings or ReportingSettings(),
        setup=setup,
    )
    app.state.today = today
    add_routes(app)
    return app


async def rebuild(
    settings: ReportingSettings, progress: Callable[[int], None] | None = None
) -> int:
    """Drop the read models and fold every event again from the topics' start (``sprg
    reporting rebuild``); the number of events folded. ``progress`` is told how many
    events have been read, every 100,000."""
    client = make_client(settings.mongodb_url, app_name="sprg-cli-reporting")
    try:
        # Read as it is folded (blocking this command's loop, which has nothing else to do).
        log = envelopes(settings.kafka_bootstrap_servers, settings.source_topics)
        return await handlers.rebuild(ReadModels(client[settings.database]), log, progress)
    finally:
        await client.close()


async def produce(
    settings: ReportingSettings, kind: str, period: str, as_of: date | None = None
) -> handlers.Produced:
    """Produce a report, keep it and announce it as the service does (``sprg reporting
    produce``); a period not over yet stands at ``as_of`` (today in London unless given)."""
    client = make_client(settings.mongodb_url, app_name="sprg-cli-reporting")
    producer = Producer(
        settings.kafka_bootstrap_servers,
        "sprg-cli-reporting",
        bus_metrics(CollectorRegistry(), "cli"),
    )
    try:
        return await handlers.produce_report(
            ReadModels(client[settings.database]),
            publisher(producer, settings),
            kind,
            period,
            as_of=as_of or london_today(),
        )
    finally:
        producer.close()
        await client.close()

"""The one place intake is put together: ``build(settings)``.

Settings -> adapters (store, sealer, outbox relay) -> handlers' dependencies -> the doors
(HTTP routes and forms, the outbox relay, the dead-letter follower). The runtime (broker
and store clients) is made in the app's lifespan, never at import.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import partial

from fastapi import FastAPI
from pymongo.errors import PyMongoError

from sprg_intake.adapters.crypto import Sealer, fingerprint
from sprg_intake.adapters.outbox import OutboxRelay
from sprg_intake.adapters.repository import CaseRepository
from sprg_intake.entrypoints import api, consumers
from sprg_intake.handlers import agencies
from sprg_intake.handlers.incident import IntakeDeps
from sprg_intake.settings import IntakeSettings
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service

SERVICE = "intake"
log = logging.getLogger(__name__)

# Room for a multipart form's own bytes beyond the documents it carries.
_FORM_OVERHEAD = 64 * 1024


def build_deps(runtime: Runtime, settings: IntakeSettings) -> IntakeDeps:
    repo = CaseRepository(runtime.db)
    return IntakeDeps(
        repo=repo,
        sealer=Sealer(settings.pii_key, settings.pii_key_id),
        fingerprint=partial(fingerprint, settings.pii_key),
        relay=OutboxRelay(repo, runtime.producer, settings.outbox_poll_seconds),
        source=runtime.source,
        now=lambda: datetime.now(UTC),
    )


def build(settings: IntakeSettings | None = None) -> FastAPI:
    """Intake as one app: its routes now, its adapters and loops when it starts."""

    async def setup(
        app: FastAPI, runtime: Runtime, loaded: IntakeSettings, background: Background
    ) -> None:
        deps = build_deps(runtime, loaded)
        app.state.deps = deps
        app.state.known_agencies = agencies.load(loaded.auth_agencies_file)
        app.state.max_upload_bytes = loaded.max_upload_bytes
        # The shared body guard stops reading at this (chunked or not); the route checks
        # the documents themselves against the upload limit.
        app.state.max_body_bytes = loaded.max_upload_bytes + _FORM_OVERHEAD
        try:
            await deps.repo.ensure_indexes()
        except PyMongoError as exc:
            # Start anyway: /readyz says the store is down and requests get 503 until it is back.
            log.warning("store unavailable at start; indexes later", extra={"error": repr(exc)})
            background.run(consumers.indexes_when_back(deps), "indexes")
        background.run(deps.relay.run(), "outbox-relay")
        consumers.follow_dead_letters(runtime, loaded.consumer_group, deps)

    app = build_service(
        service=SERVICE,
        title="SPRG intake",
        description="The only door for input from agencies and people.",
        load_settings=lambda: settings or IntakeSettings(),
        setup=setup,
    )
    api.add_http(app)
    return app

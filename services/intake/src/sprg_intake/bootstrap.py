"""Builds intake's adapters from its settings and the runtime."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from sprg_intake.adapters.crypto import Sealer, fingerprint
from sprg_intake.adapters.outbox import OutboxRelay
from sprg_intake.adapters.repository import CaseRepository
from sprg_intake.handlers.incident import IntakeDeps
from sprg_intake.settings import IntakeSettings
from sprg_shared.runtime import Runtime

SERVICE = "intake"


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

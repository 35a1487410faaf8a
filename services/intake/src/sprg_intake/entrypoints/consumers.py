"""Intake's loops beside HTTP: the dead letters it follows, the indexes it waits for.

(The outbox relay, the third loop, is an adapter: ``adapters/outbox.py``.)
"""

from __future__ import annotations

import asyncio

from pymongo.errors import PyMongoError

from sprg_intake.handlers import not_processed
from sprg_intake.handlers.incident import IntakeDeps
from sprg_shared import topics
from sprg_shared.bus import Router
from sprg_shared.contracts.dead_letters import MessageDeadLettered, MessageReprocessed
from sprg_shared.runtime import Runtime


def follow_dead_letters(runtime: Runtime, group: str, deps: IntakeDeps) -> None:
    """Keep, per subject, what another service could not process (``sprg.dlq``)."""
    router = Router()
    router.on(
        MessageDeadLettered,
        lambda event, envelope: not_processed.on_dead_letter(
            event, envelope, deps.repo, deps.now()
        ),
    )
    router.on(
        MessageReprocessed,
        lambda event, _: not_processed.on_reprocessed(event, deps.repo, deps.now()),
    )
    runtime.consume(group, [topics.DLQ], router)


async def indexes_when_back(deps: IntakeDeps) -> None:
    """Make the store's indexes once it answers (it was down at start)."""
    while True:
        await asyncio.sleep(5)
        try:
            await deps.repo.ensure_indexes()
        except PyMongoError:
            continue
        return

"""The outbox relay: publishes what cases owe, then marks it sent.

A crash between the publish and the mark re-sends on restart (consumers skip the
repeated event id); nothing is ever lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from sprg_intake.adapters.ports import Outbox, Publisher
from sprg_shared.bus import TRANSIENT_ERRORS
from sprg_shared.envelope import Envelope

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(self, repo: Outbox, producer: Publisher, poll_seconds: float) -> None:
        self._repo = repo
        self._producer = producer
        self._poll = poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()
            try:
                await self.drain()
            except TRANSIENT_ERRORS as exc:
                log.warning(
                    "outbox relay cannot reach the bus or store; will retry",
                    extra={"error": repr(exc)},
                )
            except Exception:
                log.exception("outbox relay failed; will retry")

    async def drain(self, batch: int = 100) -> int:
        """Publish every pending event, oldest first within a case; returns how many."""
        sent = 0
        while docs := await self._repo.with_pending_outbox(batch):
            for doc in docs:
                for event_id in list(doc["outbox_pending"]):
                    entry = doc["outbox"][event_id]
                    await self._producer.publish(
                        entry["topic"], Envelope.model_validate(entry["envelope"])
                    )
                    await self._repo.mark_sent(
                        doc["_id"], event_id, datetime.now(UTC), doc["_collection"]
                    )
                    sent += 1
        return sent

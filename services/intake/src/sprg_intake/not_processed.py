"""What a downstream service could not process, shown on intake's record to the Business
Team: intake follows ``sprg.dlq`` and keeps, per subject (the message's key: a case, a
Case of Concern, an escalation, a meeting...), each event another service dead-lettered
and why. Reasons carry no personal data (events never do). The alert on dead letters is
the operations runbook's; this is what the person reading the case sees. Once the event is
replayed and the group that failed it processes it (``sprg dlq replay`` confirms it and
publishes ``sprg.message.reprocessed.v1``), the line is cleared: kept in the store with
``processed_at``, no longer shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.auth import Principal, Role
from sprg_shared.envelope import Envelope
from sprg_shared.events import MessageDeadLettered, MessageReprocessed
from sprg_shared.store import Document

COLLECTION = "not_processed"


def _original(value: str) -> tuple[str, str | None]:
    """The dead-lettered event's type and id."""
    try:
        original = Envelope.from_bytes(value.encode("utf-8"))
    except ValidationError:  # an unreadable message is a dead letter of its own kind
        return "an unreadable message", None
    return original.type, original.id


async def on_dead_letter(
    event: MessageDeadLettered, envelope: Envelope, db: AsyncDatabase[Document], now: datetime
) -> None:
    if not event.key:
        return
    event_type, event_id = _original(event.value)
    await db[COLLECTION].update_one(
        {"_id": envelope.id},
        {
            "$setOnInsert": {
                "subject_id": event.key,
                "event_type": event_type,
                "event_id": event_id,
                "service": event.consumer_group,
                "reason": event.reason,
                "at": now,
            }
        },
        upsert=True,
    )


async def for_subject(
    db: AsyncDatabase[Document], subject_id: str, principal: Principal
) -> list[dict[str, Any]]:
    """The subject's events another service could not process (the Business Team only)."""
    if not principal.has(Role.BUSINESS_TEAM):
        return []
    cursor = db[COLLECTION].find({"subject_id": subject_id, "processed_at": None}).sort("at", 1)
    return [
        {
            "event": doc["event_type"],
            "service": doc["service"],
            "status": f"not processed: {doc['reason']}",
            "at": doc["at"],
        }
        async for doc in cursor
    ]


async def on_reprocessed(
    event: MessageReprocessed, db: AsyncDatabase[Document], now: datetime
) -> None:
    """Clear the dead letter replayed and then processed, and any other dead letter of the
    same event from the same group (a redelivered copy failed beside it). Idempotent."""
    which: list[dict[str, Any]] = []
    if event.dead_letter_id:
        which.append({"_id": event.dead_letter_id})
    if event.event_id:
        which.append({"event_id": event.event_id, "service": event.consumer_group})
    if not which:
        return
    await db[COLLECTION].update_many(
        {"$or": which, "processed_at": None},
        {"$set": {"processed_at": now, "replayed_to_offset": event.replayed_to_offset}},
    )

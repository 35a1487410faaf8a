"""What a downstream service could not process, shown on intake's record to the Business
Team: intake follows ``sprg.dlq`` and keeps, per subject (the message's key: a case, a
Case of Concern, an escalation, a meeting...), each event another service dead-lettered
and why. Reasons carry no personal data (events never do). The alert on dead letters is
the operations runbook's; this is what the person reading the case sees.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from sprg_shared.auth import Principal, Role
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope
from sprg_shared.store import Document

COLLECTION = "not_processed"


def _event_type(value: str) -> str:
    try:
        return Envelope.from_bytes(value.encode("utf-8")).type
    except ValidationError:  # an unreadable message is a dead letter of its own kind
        return "an unreadable message"


async def on_dead_letter(
    event: MessageDeadLettered, envelope: Envelope, db: AsyncDatabase[Document], now: datetime
) -> None:
    if not event.key:
        return
    await db[COLLECTION].update_one(
        {"_id": envelope.id},
        {
            "$setOnInsert": {
                "subject_id": event.key,
                "event_type": _event_type(event.value),
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
    cursor = db[COLLECTION].find({"subject_id": subject_id}).sort("at", 1)
    return [
        {
            "event": doc["event_type"],
            "service": doc["service"],
            "status": f"not processed: {doc['reason']}",
            "at": doc["at"],
        }
        async for doc in cursor
    ]

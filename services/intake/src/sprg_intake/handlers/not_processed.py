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

from sprg_intake.adapters.ports import CaseStore
from sprg_shared.auth import Principal, Role
from sprg_shared.contracts.dead_letters import MessageDeadLettered, MessageReprocessed
from sprg_shared.envelope import Envelope


def _original(value: str) -> tuple[str, str | None]:
    """The dead-lettered event's type and id."""
    try:
        original = Envelope.from_bytes(value.encode("utf-8"))
    except ValidationError:  # an unreadable message is a dead letter of its own kind
        return "an unreadable message", None
    return original.type, original.id


async def on_dead_letter(
    event: MessageDeadLettered, envelope: Envelope, store: CaseStore, now: datetime
) -> None:
    if not event.key:
        return
    event_type, event_id = _original(event.value)
    await store.note_not_processed(
        envelope.id,
        {
            "subject_id": event.key,
            "event_type": event_type,
            "event_id": event_id,
            "service": event.consumer_group,
            "reason": event.reason,
            "at": now,
        },
    )


async def for_subject(
    store: CaseStore, subject_id: str, principal: Principal
) -> list[dict[str, Any]]:
    """The subject's events another service could not process (the Business Team only)."""
    if not principal.has(Role.BUSINESS_TEAM):
        return []
    return [
        {
            "event": doc["event_type"],
            "service": doc["service"],
            "status": f"not processed: {doc['reason']}",
            "at": doc["at"],
        }
        for doc in await store.not_processed_for(subject_id)
    ]


async def on_reprocessed(event: MessageReprocessed, store: CaseStore, now: datetime) -> None:
    """Clear the dead letter replayed and then processed, and any other dead letter of the
    same event from the same group (a redelivered copy failed beside it). Idempotent."""
    await store.clear_not_processed(
        note_id=event.dead_letter_id,
        event_id=event.event_id,
        service=event.consumer_group,
        at=now,
        detail={"replayed_to_offset": event.replayed_to_offset},
    )

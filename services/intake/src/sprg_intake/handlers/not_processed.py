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

from sprg_intake.adapters.ports import CaseStore
from sprg_shared.auth import Principal, Role
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope


def _event_type(value: str) -> str:
    try:
        return Envelope.from_bytes(value.encode("utf-8")).type
    except ValidationError:  # an unreadable message is a dead letter of its own kind
        return "an unreadable message"


async def on_dead_letter(
    event: MessageDeadLettered, envelope: Envelope, store: CaseStore, now: datetime
) -> None:
    if not event.key:
        return
    await store.note_not_processed(
        envelope.id,
        {
            "subject_id": event.key,
            "event_type": _event_type(event.value),
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

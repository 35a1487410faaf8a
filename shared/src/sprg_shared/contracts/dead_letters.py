"""A message a consumer could not handle, on ``sprg.dlq`` (any service's consumer loop).

Written by every consumer loop (``sprg_shared.bus``); who reads it: ``sprg_shared.topics``.
"""

from __future__ import annotations

from pydantic import Field

from sprg_shared import topics
from sprg_shared.envelope import EventData, event_type

__all__ = [
    "MessageDeadLettered",
    "MessageReprocessed",
]


@event_type("sprg.message.deadlettered.v1", topics.DLQ)
class MessageDeadLettered(EventData):
    """A message a consumer could not handle: the original, untouched, and why."""

    consumer_group: str
    topic: str
    partition: int
    offset: int
    key: str | None
    value: str = Field(description="the original bytes, decoded as UTF-8 with replacement")
    reason: str
    attempts: int

    def subject(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


@event_type("sprg.message.reprocessed.v1", topics.DLQ)
class MessageReprocessed(EventData):
    """A dead letter replayed (``sprg dlq replay``) and then processed by the group that had
    failed it: its committed offset passed the replayed copy and no new dead letter of the
    event came from that group. What read "not processed" is cleared."""

    dead_letter_id: str | None = Field(description="the envelope id of the dead letter on sprg.dlq")
    consumer_group: str
    topic: str
    key: str | None
    event_id: str | None = Field(description="the original event's id, when readable")
    replayed_to_offset: int

    def subject(self) -> str:
        return f"{self.topic}/{self.replayed_to_offset}/{self.consumer_group}"

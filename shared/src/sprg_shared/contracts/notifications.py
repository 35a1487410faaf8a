"""What the notifier publishes on ``sprg.notifications``: each message sent or failed.

Owned by notifier; who reads it: ``sprg_shared.topics``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sprg_shared import topics
from sprg_shared.envelope import EventData, event_type

__all__ = [
    "NotificationSent",
]


@event_type("sprg.notification.sent.v1", topics.NOTIFICATIONS)
class NotificationSent(EventData):
    notification_id: str
    case_id: str
    trigger_event_id: str
    template: str
    channel: Literal["email", "webhook"]
    recipient_role: str
    status: Literal["sent", "failed"]
    attempts: int = Field(ge=1)

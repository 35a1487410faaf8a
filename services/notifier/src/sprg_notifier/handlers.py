"""What happens when a clock event arrives: the subscribed roles are told, once each."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sprg_notifier.adapters.email import SmtpSender
from sprg_notifier.adapters.repository import NotifierRepository
from sprg_notifier.domain.render import Templates
from sprg_notifier.domain.subscriptions import for_clock_started
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.events import ClockStarted, NotificationSent
from sprg_shared.ids import stable_id
from sprg_shared.tracing import child_traceparent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifierDeps:
    repo: NotifierRepository
    email: SmtpSender
    templates: Templates
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    case_link_base: str


async def on_clock_started(event: ClockStarted, envelope: Envelope, deps: NotifierDeps) -> None:
    subscription = for_clock_started(event)
    if subscription is None:
        return
    context = {
        "case_id": event.case_id,
        "kind": event.kind,
        "anchor": event.anchor,
        "anchor_date": event.anchor_date.isoformat(),
        "due": event.due.isoformat(),
        "case_link": f"{deps.case_link_base}{event.case_id}",
    }
    message = deps.templates.render(subscription.template, context)
    for role in subscription.roles:
        recipients = await deps.repo.people(role)
        if not recipients:
            log.error(
                "no one in the directory holds a subscribed role",
                extra={"role": role, "case_id": event.case_id},
            )
        for person in recipients:
            delivery_id = stable_id(
                "delivery", envelope.id, person.person_id, subscription.template
            )
            record = await deps.repo.record_intent(
                {
                    "_id": delivery_id,
                    "case_id": event.case_id,
                    "trigger_event_id": envelope.id,
                    "template": subscription.template,
                    "channel": "email",
                    "role": role,
                    "person_id": person.person_id,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": deps.now(),
                }
            )
            attempts = int(record.get("attempts", 0))
            if record["status"] != "sent":
                attempts += 1
                await deps.email.send(
                    to=str(person.email),
                    subject=message.subject,
                    body=message.body,
                    delivery_id=delivery_id,
                )
                await deps.repo.mark(delivery_id, "sent", deps.now(), attempts)
            sent = NotificationSent(
                notification_id=delivery_id,
                case_id=event.case_id,
                trigger_event_id=envelope.id,
                template=subscription.template,
                channel="email",
                recipient_role=role,
                status="sent",
                attempts=max(attempts, 1),
            )
            await deps.publish(
                sent,
                stable_id("notification.sent", delivery_id),
                child_traceparent(envelope.traceparent),
            )

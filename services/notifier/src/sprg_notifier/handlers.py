"""What happens when a subscribed event arrives: each subscribed role's people are told, once.

The intent is recorded first under a deterministic id (event, person, template), so a
redelivered event, or a person holding two subscribed roles, gets one message; a
crash between sending and recording re-sends under the same id, which the receiver
can recognise (Message-ID, Idempotency-Key).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter

from sprg_notifier.adapters.channels import ChannelError, SmtpChannel, WebhookChannel
from sprg_notifier.adapters.repository import NotifierRepository
from sprg_notifier.domain.directory import Person
from sprg_notifier.domain.render import Rendered, Templates
from sprg_notifier.domain.subscriptions import Subscription, Subscriptions
from sprg_shared.bus import PermanentError
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.events import NotificationSent
from sprg_shared.ids import stable_id
from sprg_shared.tracing import child_traceparent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifierDeps:
    repo: NotifierRepository
    email: SmtpChannel
    webhook: WebhookChannel
    templates: Templates
    subscriptions: Subscriptions
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    case_link_base: str
    attempts: int
    backoff_seconds: float
    outcomes: Counter


async def on_event(event: EventData, envelope: Envelope, deps: NotifierDeps) -> None:
    data = event.model_dump(mode="json")
    context = {**data, "case_link": f"{deps.case_link_base}{envelope.subject}"}
    failed: list[str] = []
    told: set[tuple[str, str]] = set()  # (person, template): one message per event each
    for subscription in deps.subscriptions.for_event(envelope.type, data):
        message = deps.templates.render(subscription.template, context)
        for role in subscription.roles:
            people = await deps.repo.people(role)
            if not people:
                log.error(
                    "no one in the directory holds a subscribed role",
                    extra={"role": role, "case_id": envelope.subject},
                )
            for person in people:
                if (person.person_id, subscription.template) in told:
                    continue
                told.add((person.person_id, subscription.template))
                if not await _deliver(person, role, subscription, message, envelope, deps):
                    failed.append(person.person_id)
    if failed:
        # Every other recipient was told; the event goes to the dead-letter topic so an
        # operator can replay it once the channel works (sent deliveries are skipped).
        raise PermanentError(
            f"delivery failed after {deps.attempts} attempts to: {', '.join(failed)}"
        )


async def _deliver(
    person: Person,
    role: str,
    subscription: Subscription,
    message: Rendered,
    envelope: Envelope,
    deps: NotifierDeps,
) -> bool:
    delivery_id = stable_id("delivery", envelope.id, person.person_id, subscription.template)
    record = await deps.repo.record_intent(
        {
            "_id": delivery_id,
            "case_id": envelope.subject,
            "trigger_event_id": envelope.id,
            "event_type": envelope.type,
            "template": subscription.template,
            "channel": person.channel,
            "role": role,
            "person_id": person.person_id,
            "status": "pending",
            "attempts": 0,
            "created_at": deps.now(),
        }
    )
    attempts = int(record.get("attempts", 0))
    if record["status"] != "sent":
        attempts, error = await _send_with_retries(
            person, message, envelope, delivery_id, attempts, deps
        )
        status = "sent" if error is None else "failed"
        await deps.repo.mark(delivery_id, status, deps.now(), attempts, error)
        deps.outcomes.labels(
            channel=person.channel, template=subscription.template, result=status
        ).inc()
    else:
        status = "sent"
    sent = NotificationSent(
        notification_id=delivery_id,
        case_id=envelope.subject,
        trigger_event_id=envelope.id,
        template=subscription.template,
        channel=person.channel,
        recipient_role=role,
        status=status,
        attempts=max(attempts, 1),
    )
    await deps.publish(
        sent,
        stable_id("notification", delivery_id, status, str(attempts)),
        child_traceparent(envelope.traceparent),
    )
    return status == "sent"


async def _send_with_retries(
    person: Person,
    message: Rendered,
    envelope: Envelope,
    delivery_id: str,
    attempts: int,
    deps: NotifierDeps,
) -> tuple[int, str | None]:
    error = "not tried"
    for attempt in range(deps.attempts):
        attempts += 1
        try:
            if person.channel == "webhook":
                payload = {
                    "event_id": envelope.id,
                    "type": envelope.type,
                    "case_id": envelope.subject,
                    "subject": message.subject,
                    "text": message.text,
                }
                await deps.webhook.send(
                    url=str(person.webhook_url), payload=payload, delivery_id=delivery_id
                )
            else:
                await deps.email.send(
                    to=str(person.email), message=message, delivery_id=delivery_id
                )
        except ChannelError as exc:
            error = str(exc)
            log.warning(
                "delivery failed; will retry" if attempt + 1 < deps.attempts else "delivery failed",
                extra={"delivery_id": delivery_id, "attempt": attempts, "error": error},
            )
            if attempt + 1 < deps.attempts:
                deps.outcomes.labels(channel=person.channel, template="*", result="retried").inc()
                await asyncio.sleep(deps.backoff_seconds * 2**attempt)
            continue
        return attempts, None
    return attempts, error

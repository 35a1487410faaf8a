"""What happens when a subscribed event arrives: each addressed person is told, once.

The intent is recorded first under a deterministic id (event, receiver, template), so a
redelivered event, or a person holding two subscribed roles, gets one message; a crash
between sending and recording re-sends under the same id, which the receiver can
recognise (``Message-ID``, ``Idempotency-Key``). A person who chose the daily digest
has the item queued instead (see ``digests``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time

from prometheus_client import Counter

from sprg_notifier.adapters.ports import EmailSender, NotifierStore, WebhookSender
from sprg_notifier.domain.digest import LONDON
from sprg_notifier.domain.render import Rendered, Templates
from sprg_notifier.domain.routing import Addressee, addressees
from sprg_notifier.domain.subjects import Subject, subject_of
from sprg_notifier.domain.subscriptions import Subscription
from sprg_notifier.handlers.delivery import Outgoing, SendGate, send_with_retries
from sprg_shared.bus import PermanentError
from sprg_shared.contracts.notifications import NotificationSent
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.ids import stable_id
from sprg_shared.tracing import child_traceparent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifierDeps:
    repo: NotifierStore
    email: EmailSender
    webhook: WebhookSender
    templates: Templates
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    console_url: str
    attempts: int
    backoff_seconds: float
    outcomes: Counter  # sprg_notifier_notifications_total{channel, template, result}
    digest_at: time
    digest_lease_seconds: float
    gate: SendGate = field(default_factory=SendGate)  # one message per channel in doubt


async def on_event(event: EventData, envelope: Envelope, deps: NotifierDeps) -> None:
    data = event.model_dump(mode="json")  # only the model's fields: nothing else is rendered
    subscriptions, people, agencies = await deps.repo.directory()
    matched = [s for s in subscriptions if s.matches(envelope.type, data)]
    if not matched:
        return
    day = deps.now().astimezone(LONDON).date()
    subject = subject_of(envelope.type, data, envelope.subject, deps.console_url)
    names = {a.agency_id: a.name for a in agencies}
    names.update({code: a.name for a in agencies for code in a.codes})
    context = {
        **data,
        "reference": subject.reference,
        "subject_kind": subject.kind,
        "link": subject.link,
        "case_link": subject.link,
        "agency_names": names,
    }
    failed: list[str] = []
    told: set[tuple[str, str]] = set()  # (receiver, template): one message per event each
    for subscription in matched:
        message = deps.templates.render(subscription.template, context)
        found = addressees(subscription, data, envelope.data, people, agencies, day)
        if not found:
            log.error(
                "no one in the directory is addressed by a subscription",
                extra={"subscription": subscription.name, "case_id": envelope.subject},
            )
        for addressee in found:
            key = (addressee.receiver.person_id, subscription.template)
            if key in told:
                continue
            told.add(key)
            if not await _deliver(addressee, subscription, message, envelope, subject, deps):
                failed.append(addressee.receiver.person_id)
    if failed:
        # Every other recipient was told; the event goes to the dead-letter topic so an
        # operator can replay it once the channel works (sent deliveries are skipped).
        raise PermanentError(
            f"delivery failed after {deps.attempts} attempts to: {', '.join(failed)}"
        )


async def _deliver(
    addressee: Addressee,
    subscription: Subscription,
    message: Rendered,
    envelope: Envelope,
    subject: Subject,
    deps: NotifierDeps,
) -> bool:
    person = addressee.receiver
    delivery_id = stable_id("delivery", envelope.id, person.person_id, subscription.template)
    digest = person.delivery == "daily_digest"
    intent = {
        "_id": delivery_id,
        "case_id": envelope.subject,
        "trigger_event_id": envelope.id,
        "event_type": envelope.type,
        "subscription": subscription.name,
        "template": subscription.template,
        "channel": person.channel,
        "role": addressee.role,
        "person_id": person.person_id,
        "on_behalf_of": (addressee.member.person_id if addressee.member != person else None),
        "status": "queued" if digest else "pending",
        "subject": message.subject,
        "reference": subject.reference,
        "case_link": subject.link,
        "attempts": 0,
        "created_at": deps.now(),
    }
    record = await deps.repo.record_intent(intent)
    if record["status"] in {"queued", "digested"}:
        if record is intent:
            deps.outcomes.labels(person.channel, subscription.template, "queued").inc()
        return True
    attempts = int(record.get("attempts", 0))
    if record["status"] == "sent":
        status = "sent"
    else:
        outgoing = Outgoing(
            person=person,
            message=message,
            payload={
                "event_id": envelope.id,
                "type": envelope.type,
                "case_id": envelope.subject,
                "subject": message.subject,
                "reference": subject.reference,
                "link": subject.link,
                "text": message.text,
            },
            delivery_id=delivery_id,
            template=subscription.template,
        )

        async def record_sent(attempts: int) -> None:
            await deps.repo.mark(delivery_id, "sent", deps.now(), attempts, None)

        attempts, error = await send_with_retries(outgoing, attempts, deps, record_sent)
        status = "sent" if error is None else "failed"
        if error is not None:
            await deps.repo.mark(delivery_id, status, deps.now(), attempts, error)
    sent = NotificationSent(
        notification_id=delivery_id,
        case_id=envelope.subject,
        trigger_event_id=envelope.id,
        template=subscription.template,
        channel=person.channel,
        recipient_role=addressee.role,
        status=status,
        attempts=max(attempts, 1),
    )
    await deps.publish(
        sent,
        stable_id("notification", delivery_id, status, str(attempts)),
        child_traceparent(envelope.traceparent),
    )
    return status == "sent"

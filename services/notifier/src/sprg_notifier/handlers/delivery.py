"""Sending one message through the person's channel, retried with exponential backoff."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sprg_notifier.adapters.channels import ChannelError
from sprg_notifier.domain.directory import Person
from sprg_notifier.domain.render import Rendered

if TYPE_CHECKING:
    from sprg_notifier.handlers.events import NotifierDeps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    person: Person
    message: Rendered
    payload: dict[str, Any]  # the webhook's body
    delivery_id: str  # Message-ID and Idempotency-Key
    template: str


async def send_with_retries(
    outgoing: Outgoing, attempts: int, deps: NotifierDeps
) -> tuple[int, str | None]:
    """Try up to ``deps.attempts`` times; returns the attempts so far and the last error."""
    person = outgoing.person
    error = "not tried"
    for attempt in range(deps.attempts):
        attempts += 1
        try:
            if person.channel == "webhook":
                await deps.webhook.send(
                    url=str(person.webhook_url),
                    payload=outgoing.payload,
                    delivery_id=outgoing.delivery_id,
                )
            else:
                await deps.email.send(
                    to=str(person.email), message=outgoing.message, delivery_id=outgoing.delivery_id
                )
        except ChannelError as exc:
            error = str(exc)
            last = attempt + 1 >= deps.attempts or exc.permanent
            log.warning(
                "delivery failed" if last else "delivery failed; will retry",
                extra={"delivery_id": outgoing.delivery_id, "attempt": attempts, "error": error},
            )
            if last:  # out of attempts, or a target no retry can make acceptable
                break
            deps.outcomes.labels(person.channel, outgoing.template, "retried").inc()
            await asyncio.sleep(deps.backoff_seconds * 2**attempt)
            continue
        deps.outcomes.labels(person.channel, outgoing.template, "sent").inc()
        return attempts, None
    deps.outcomes.labels(person.channel, outgoing.template, "failed").inc()
    return attempts, error

"""Sending one message through the person's channel, retried with exponential backoff.

At least once, and at most one message per channel in doubt. A message the channel
accepted is recorded as sent straight after; a crash between the two sends it again
(same ``Message-ID`` / ``Idempotency-Key``): a lost statutory message is worse than a
duplicate. The bus handles a poll's records concurrently, so without more, a poll's
worth of messages could be accepted and not yet recorded when the process dies. The
``SendGate`` holds one lock per channel around "send, then record sent": at any moment
at most one message per channel per replica is between the two, so a crash resends at
most one e-mail and one webhook call. The retry's backoff sleeps outside the lock, and
the channels have a lock each (a slow webhook never holds up an e-mail).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
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


@dataclass
class SendGate:
    """One lock per channel around "send, then record sent" (see the module's text).

    Each replica has one; the locks are created on first use, in the running loop."""

    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def channel(self, name: str) -> asyncio.Lock:
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock


# Records the message as sent (given the attempts so far); called under the channel's lock.
RecordSent = Callable[[int], Awaitable[None]]


async def send_with_retries(
    outgoing: Outgoing, attempts: int, deps: NotifierDeps, record_sent: RecordSent
) -> tuple[int, str | None]:
    """Try up to ``deps.attempts`` times; returns the attempts so far and the last error.

    When the channel accepts, ``record_sent`` runs before the channel's lock is let go."""
    person = outgoing.person
    error = "not tried"
    for attempt in range(deps.attempts):
        attempts += 1
        try:
            async with deps.gate.channel(person.channel):
                await _send(outgoing, deps)
                await record_sent(attempts)
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


async def _send(outgoing: Outgoing, deps: NotifierDeps) -> None:
    person = outgoing.person
    if person.channel == "webhook":
        await deps.webhook.send(
            url=str(person.webhook_url), payload=outgoing.payload, delivery_id=outgoing.delivery_id
        )
    else:
        await deps.email.send(
            to=str(person.email), message=outgoing.message, delivery_id=outgoing.delivery_id
        )

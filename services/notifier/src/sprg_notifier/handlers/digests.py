"""The daily digest: a person who chose it gets one message a day listing what was queued.

Due at ``digest_at`` London time. Exactly one per person per day even with several
replicas: the digest's id is (person, day), and inserting its claim is what decides who
sends it (a unique-key insert: atomic on MongoDB and FerretDB v2 alike, and
needing no transaction). The claim holds the items it covers, so the items queued after it wait
for the next day's digest.

A replica that dies between claiming and finishing leaves a claim that never finishes.
Once it is older than the lease, another replica takes over by inserting the next
attempt's claim (again a unique insert, so only one takes over) and sends the same
items under the same Message-ID: at least once, and recognisable as the same digest.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sprg_notifier.domain.digest import due_day
from sprg_notifier.domain.directory import Person
from sprg_notifier.handlers.delivery import Outgoing, send_with_retries
from sprg_notifier.handlers.events import NotifierDeps
from sprg_shared.ids import stable_id

log = logging.getLogger(__name__)
MAX_TAKEOVERS = 5


async def send_due_digests(deps: NotifierDeps) -> int:
    """Send every digest due now that no replica has claimed; returns how many this one sent."""
    day = due_day(deps.now(), deps.digest_at)
    if day is None:
        return 0
    sent = 0
    for person in await deps.repo.people():
        if person.delivery == "daily_digest" and await _digest(person, day, deps):
            sent += 1
    return sent


async def _digest(person: Person, day: date, deps: NotifierDeps) -> bool:
    digest_id = stable_id("digest", person.person_id, day.isoformat())
    claim = await _claim(person, day, digest_id, deps)
    if claim is None:
        return False
    items = await deps.repo.deliveries_by_id(claim["items"])
    listed = [
        {"case_id": i["case_id"], "subject": i["subject"], "case_link": i["case_link"]}
        for i in items
    ]
    message = deps.templates.render("daily_digest", {"day": day.isoformat(), "items": listed})
    outgoing = Outgoing(
        person=person,
        message=message,
        payload={"digest_id": digest_id, "day": day.isoformat(), "items": listed},
        delivery_id=digest_id,
        template="daily_digest",
    )

    async def record_sent(attempts: int) -> None:
        fields = {"status": "sent", "attempts": attempts, "error": None, "at": deps.now()}
        await deps.repo.finish_digest(claim["_id"], fields)

    attempts, error = await send_with_retries(outgoing, 0, deps, record_sent)
    if error is not None:
        failed = {"status": "failed", "attempts": attempts, "error": error, "at": deps.now()}
        await deps.repo.finish_digest(claim["_id"], failed)
    if error is None:
        await deps.repo.digested([i["_id"] for i in items], digest_id, deps.now())
    else:
        log.error("digest failed", extra={"digest_id": digest_id, "error": error})
    return error is None


async def _claim(
    person: Person, day: date, digest_id: str, deps: NotifierDeps
) -> dict[str, Any] | None:
    """This replica's claim on the day's digest, or None (nothing queued, or someone else's)."""
    items: list[str] | None = None
    for attempt in range(MAX_TAKEOVERS + 1):
        claim_id = digest_id if attempt == 0 else f"{digest_id}:takeover-{attempt}"
        if items is None:
            items = [i["_id"] for i in await deps.repo.queued_for(person.person_id)]
            if not items:
                return None
        claim: dict[str, Any] = {
            "_id": claim_id,
            "digest_id": digest_id,
            "attempt": attempt,
            "person_id": person.person_id,
            "day": day.isoformat(),
            "channel": person.channel,
            "items": items,
            "status": "claimed",
            "claimed_at": deps.now(),
        }
        if await deps.repo.claim_digest(claim):
            return claim
        held = await deps.repo.digest_claim(claim_id)
        if held is None or held["status"] != "claimed" or not _stale(held, deps):
            return None  # sent, failed (tomorrow's digest carries its items) or in hand
        items = list(held["items"])  # take over: the same items, the same Message-ID
    return None


def _stale(claim: dict[str, Any], deps: NotifierDeps) -> bool:
    claimed_at: datetime = claim["claimed_at"]
    if claimed_at.tzinfo is None:
        claimed_at = claimed_at.replace(tzinfo=UTC)
    return deps.now() - claimed_at > timedelta(seconds=deps.digest_lease_seconds)


async def run_digests(deps: NotifierDeps, poll_seconds: float) -> None:
    """The background loop: look every ``poll_seconds`` whether a digest is due."""
    while True:
        try:
            await send_due_digests(deps)
        except Exception:
            log.exception("digest run failed; will look again")
        await asyncio.sleep(poll_seconds)

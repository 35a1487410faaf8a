"""The daily digest: a person who chose it gets one message a day listing what was queued.

Due at ``digest_at`` London time. Exactly one per person per day even with several
replicas: the digest's id is (person, day), and inserting it is the claim (a unique-key
insert is the one write FerretDB v1 makes atomic across connections). The claim holds
the items it covers, so the items queued after it wait for the next day's digest.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from sprg_notifier.delivery import Outgoing, send_with_retries
from sprg_notifier.domain.digest import due_day
from sprg_notifier.domain.directory import Person
from sprg_notifier.handlers import NotifierDeps
from sprg_shared.ids import stable_id

log = logging.getLogger(__name__)


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
    items = await deps.repo.queued_for(person.person_id)
    if not items:
        return False
    digest_id = stable_id("digest", person.person_id, day.isoformat())
    claimed = await deps.repo.claim_digest(
        {
            "_id": digest_id,
            "person_id": person.person_id,
            "day": day.isoformat(),
            "channel": person.channel,
            "items": [i["_id"] for i in items],
            "status": "claimed",
            "claimed_at": deps.now(),
        }
    )
    if not claimed:
        return False
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
    attempts, error = await send_with_retries(outgoing, 0, deps)
    status = "sent" if error is None else "failed"
    await deps.repo.finish_digest(
        digest_id, {"status": status, "attempts": attempts, "error": error, "at": deps.now()}
    )
    if error is None:
        await deps.repo.digested([i["_id"] for i in items], digest_id, deps.now())
    else:
        log.error("digest failed", extra={"digest_id": digest_id, "error": error})
    return error is None


async def run_digests(deps: NotifierDeps, poll_seconds: float) -> None:
    """The background loop: look every ``poll_seconds`` whether a digest is due."""
    while True:
        try:
            await send_due_digests(deps)
        except Exception:
            log.exception("digest run failed; will look again")
        await asyncio.sleep(poll_seconds)

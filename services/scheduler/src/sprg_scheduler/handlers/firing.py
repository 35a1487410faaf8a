"""The firing loop: wakes every few seconds and publishes the reminders and breaches due.

It sees the store only through its ports (``adapters/ports.py``: the clocks, the claims), so
the unit tier runs it on the in-memory adapters. Any number of replicas run it on the same
store; ``adapters/claims.py`` explains why
each transition is published once (a lease on the clock document, taken by a conditional
update; deterministic event ids) and never missed, and how replicas share a burst.
After downtime the first tick catches up: every clock whose ``next_fire_at`` passed is
found by the same indexed query, and the domain publishes only its latest due transition
(``domain/schedule.py``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sprg_scheduler.adapters.metrics import ClockGauges
from sprg_scheduler.adapters.ports import ClaimStore, ClockStore
from sprg_scheduler.adapters.repository import Stored
from sprg_scheduler.domain import schedule
from sprg_scheduler.domain.clocks import Clock
from sprg_scheduler.domain.schedule import ReminderPolicy
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.envelope import Envelope, EventData

log = logging.getLogger(__name__)

Publish = Callable[[EventData, str, str | None], Awaitable[Envelope]]
# A gauge refresh waits at least this many times as long as the last one took.
GAUGE_REFRESH_SHARE = 10.0


@dataclass(frozen=True)
class FiringConfig:
    batch_size: int = 500
    concurrency: int = 64
    gauge_refresh_seconds: float = 15.0


class FiringLoop:
    def __init__(
        self,
        *,
        repo: ClockStore,
        claims: ClaimStore,
        publish: Publish,
        now: Callable[[], datetime],
        policy: ReminderPolicy,
        calendar: WorkingDayCalendar | Callable[[], WorkingDayCalendar],
        config: FiringConfig | None = None,
        gauges: ClockGauges | None = None,
    ) -> None:
        self._repo = repo
        self._claims = claims
        self._publish = publish
        self._now = now
        self._policy = policy
        # A callable: the version in force, which an administrator may change while we run.
        self._calendar = calendar if callable(calendar) else (lambda: calendar)
        self._config = config or FiringConfig()
        self._gauges = gauges
        self._gauges_at = float("-inf")
        self._gauges_every = self._config.gauge_refresh_seconds
        self._slots = asyncio.Semaphore(self._config.concurrency)

    async def ensure_indexes(self) -> None:
        await self._claims.ensure_indexes()

    def use_policy(self, policy: ReminderPolicy) -> None:
        """Reminder offsets activated as a new local targets version (no restart)."""
        self._policy = policy

    async def tick(self) -> int:
        """Fire everything due now; returns the number of transitions this replica published."""
        now = self._now()
        published = 0
        while due := await self._claims.due_clocks(now, self._config.batch_size):
            held = await self._claims.claim_many(due, now)
            if not held:
                continue  # other replicas took these; the due query now skips them
            results = await asyncio.gather(
                *(self._fire_one(stored, now) for stored in held), return_exceptions=True
            )
            fired: list[tuple[Clock, Stored, bool]] = []
            for stored, result in zip(held, results, strict=True):
                if isinstance(result, BaseException):
                    log.error(
                        "firing a clock failed; the next tick retries it",
                        extra={"error": repr(result)},
                    )
                    await self._claims.release(stored)
                else:
                    fired.append((result[0], stored, result[1]))
            stored_ids = set(await self._claims.complete_many([(c, s) for c, s, _ in fired]))
            published += sum(1 for _, s, event in fired if event and s.clock.clock_id in stored_ids)
            if not fired:
                return published  # every one failed: leave them to the next tick
        return published

    async def _fire_one(self, stored: Stored, now: datetime) -> tuple[Clock, bool]:
        """The clock advanced, and whether a transition was published for it."""
        async with self._slots:
            calendar = self._calendar()
            firing = schedule.fire(stored.clock, now, self._policy, calendar)
            if firing is None:  # the plan changed (e.g. the policy): just move next_fire_at
                return schedule.planned(stored.clock, self._policy, calendar), False
            # If storing the advanced clock fails after this, the lease runs out and the
            # transition is published again under the same event id (consumers skip it).
            await self._publish(firing.event, firing.event_id, None)
            log.info(
                "clock fired",
                extra={
                    "case_id": firing.clock.case_id,
                    "kind": firing.clock.kind,
                    "event": firing.event.TYPE,
                    "skipped": len(firing.skipped),
                },
            )
            return firing.clock, True

    def gauges_due(self) -> bool:
        return time.monotonic() - self._gauges_at >= self._gauges_every

    async def refresh_gauges(self) -> None:
        """Count the clocks for the gauges. The next refresh waits at least
        ``GAUGE_REFRESH_SHARE`` times as long as this one took: at a million clocks a
        refresh costs the store seconds of CPU, and every replica refreshes."""
        started = time.monotonic()
        if self._gauges is not None:
            now = self._now()
            await self._gauges.refresh(self._repo, self._policy.today(now), now)
        self._gauges_at = time.monotonic()
        self._gauges_every = max(
            self._config.gauge_refresh_seconds, GAUGE_REFRESH_SHARE * (self._gauges_at - started)
        )

    async def backfill(self, limit: int = 1000) -> int:
        """Give a firing plan to clocks stored before plans existed; returns how many."""
        done = 0
        while batch := await self._repo.missing_plan(limit):
            for stored in batch:
                replanned = schedule.planned(stored.clock, self._policy, self._calendar())
                await self._repo.replace(replanned, stored.rev)
                done += 1
        return done

    async def run(self, interval_seconds: float) -> None:
        """Tick forever (a background task; cancelled at shutdown)."""
        await self.backfill()
        while True:
            try:
                await self.tick()
                if self.gauges_due():
                    await self.refresh_gauges()
            except Exception:
                log.exception("firing tick failed; next tick retries")
            await asyncio.sleep(interval_seconds)

"""The calendar version the scheduler confirmed, followed from the compacted ``sprg.calendar``.

Who owns what: the scheduler owns the working-day calendar (closure days are proposed,
reviewed with the clocks they would move, and confirmed there: a version and the
recalculation of the clocks it moves are one decision, and only the owner of the clocks can
list them). It publishes each version whole (every closure day it holds), keyed
``calendar``. The rules service counts the statutory due dates it decides, so it reads that
version as reference data, here: a replayed compacted topic, never a request to the
scheduler and never an event about a clock. Until a version is read it is bank holidays
only. A thread replays the topic from its start and swaps the calendar in atomically.
"""

from __future__ import annotations

import logging
import threading

from pydantic import ValidationError

from sprg_shared import topics
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.compacted import CompactedTopic
from sprg_shared.contracts.calendar import CalendarVersioned
from sprg_shared.envelope import Envelope, read_event

__all__ = ["ConfirmedCalendar"]

log = logging.getLogger(__name__)


class ConfirmedCalendar(CompactedTopic):
    def __init__(
        self, bootstrap_servers: str, topic: str = topics.CALENDAR, poll_ms: int = 500
    ) -> None:
        super().__init__(
            bootstrap_servers, topic, self._read, name="confirmed-calendar", poll_ms=poll_ms
        )
        self._calendar = WorkingDayCalendar()
        self._number = 0
        self._lock = threading.Lock()

    def current(self) -> WorkingDayCalendar:
        with self._lock:
            return self._calendar

    def apply(self, version: CalendarVersioned) -> None:
        """Put ``version`` in force unless a later one is (a replay never goes back)."""
        with self._lock:
            if version.number < self._number:
                return
            self._number = version.number
            self._calendar = WorkingDayCalendar.numbered(
                version.number, frozenset(c.date for c in version.closures)
            )
        log.info("calendar version in force", extra={"version": version.version})

    def _read(self, raw: bytes, offset: int) -> None:
        try:
            event = read_event(Envelope.from_bytes(raw))
        except (ValidationError, ValueError) as exc:
            log.error("ignored an unreadable calendar version", extra={"error": str(exc)})  # noqa: TRY400
            return
        if isinstance(event, CalendarVersioned):
            self.apply(event)

"""Which events notify which roles, with which template."""

from __future__ import annotations

from dataclasses import dataclass

from sprg_shared.events import ClockStarted


@dataclass(frozen=True)
class Subscription:
    template: str
    roles: tuple[str, ...]


# Clock kinds whose start the CSCP Business Team must hear about at once.
_ON_CLOCK_STARTED: dict[str, Subscription] = {
    "sin_notification": Subscription("sin_clock_started", ("business_team",)),
}


def for_clock_started(event: ClockStarted) -> Subscription | None:
    return _ON_CLOCK_STARTED.get(event.kind)

"""Reporting's timeliness metric: how clocks end, by kind, as the events are folded in.

``sprg_reporting_clock_outcomes_total{kind, outcome}`` with outcome ``met_on_time``,
``met_late``, ``breached`` or ``stopped``. Counted once per event (the consumer skips
events already applied), so ``increase()`` over a window is the timeliness of that window.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from sprg_shared.contracts.clocks import ClockBreached, ClockMet, ClockStopped
from sprg_shared.envelope import EventData


class ClockOutcomes:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._outcomes = Counter(
            "sprg_reporting_clock_outcomes",
            "How statutory clocks ended, by kind: met_on_time, met_late, breached, stopped",
            ["kind", "outcome"],
            registry=registry,
        )

    def count(self, event: EventData) -> None:
        match event:
            case ClockMet():
                outcome = "met_late" if event.late else "met_on_time"
            case ClockBreached():
                outcome = "breached"
            case ClockStopped():
                outcome = "stopped"
            case _:
                return
        self._outcomes.labels(kind=event.kind, outcome=outcome).inc()

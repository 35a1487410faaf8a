"""The scheduler's statutory view as gauges, refreshed by the firing loop.

- ``sprg_scheduler_clocks{kind, state}``: how many clocks are in each stored state.
- ``sprg_scheduler_clocks_view{kind, view}``: what the clocks mean today, as on
  ``GET /v1/clocks?state=``: ``open`` (still running), ``at_risk`` (inside the reminder
  window), ``at_risk_unreminded`` (inside it, never reminded, though the instant its
  reminder was planned for has passed: the firing loop is behind; the alert's input),
  ``overdue`` (past the due date and not met).

Counted through the clock store's port, one count per kind and state or view, each
served by an index (``kind, state, due``; the at-risk views by ``kind, state,
remind_from``); the ``open`` view is the running states' counts added up. At a million
clocks a refresh still costs the store about 2 s (bench/README.md), so the firing loop
spaces refreshes out by how long the last one took.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import get_args

from prometheus_client import CollectorRegistry, Gauge

from sprg_scheduler.adapters.ports import ClockStore, View
from sprg_scheduler.domain.clocks import ACTIVE, ClockState

STATES: tuple[str, ...] = get_args(ClockState)
VIEWS: tuple[View, ...] = get_args(View)


class ClockGauges:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._gauge = Gauge(
            "sprg_scheduler_clocks",
            "Clocks by kind and stored state",
            ["kind", "state"],
            registry=registry,
        )
        self._view = Gauge(
            "sprg_scheduler_clocks_view",
            "Clocks by kind and what they mean today (open, at_risk, at_risk_unreminded, overdue)",
            ["kind", "view"],
            registry=registry,
        )

    async def refresh(
        self, repo: ClockStore, today: date | None = None, now: datetime | None = None
    ) -> None:
        """Count every kind by state; by view too when given ``today`` (local) and ``now``."""
        for kind in await repo.kinds():
            running = 0
            for state in STATES:
                count = await repo.count_in_state(kind, state)
                self._gauge.labels(kind=kind, state=state).set(count)
                running += count if state in ACTIVE else 0
            if today is None or now is None:
                continue
            for view in VIEWS:
                # "open" is the running states, counted just above: at a million clocks
                # each count reads every matching index entry (about a second).
                count = (
                    running if view == "open" else await repo.count_in_view(kind, view, today, now)
                )
                self._view.labels(kind=kind, view=view).set(count)

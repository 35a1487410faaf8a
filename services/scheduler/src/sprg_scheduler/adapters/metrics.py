"""The scheduler's statutory view as gauges, refreshed by the firing loop.

- ``sprg_scheduler_clocks{kind, state}``: how many clocks are in each stored state.
- ``sprg_scheduler_clocks_view{kind, view}``: what the clocks mean today, as on
  ``GET /v1/clocks?state=``: ``open`` (still running), ``at_risk`` (inside the reminder
  window), ``at_risk_unreminded`` (inside it, never reminded, though the instant its
  reminder was planned for has passed: the firing loop is behind; the alert's input),
  ``overdue`` (past the due date and not met).

Counted with ``count_documents``, one count per kind and state or view, each served by
an index (``kind, state, due``): a handful of index range counts rather than a
``$group`` over every clock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import get_args

from prometheus_client import CollectorRegistry, Gauge

from sprg_scheduler.adapters.repository import ClockQuery, ClockRepository
from sprg_scheduler.domain.clocks import ClockState
from sprg_shared.store import Document

STATES: tuple[str, ...] = get_args(ClockState)
VIEWS: tuple[str, ...] = ("open", "at_risk", "at_risk_unreminded", "overdue")


def view_filter(view: str, today: date, now: datetime) -> Document:
    if view == "at_risk_unreminded":
        at_risk = ClockQuery(state="at_risk", today=today).to_filter()
        return {**at_risk, "state": "open", "next_fire_at": {"$lt": now}}
    return ClockQuery(state=view, today=today).to_filter()


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
        self, repo: ClockRepository, today: date | None = None, now: datetime | None = None
    ) -> None:
        """Count every kind by state; by view too when given ``today`` (local) and ``now``."""
        for kind in await repo.kinds():
            for state in STATES:
                count = await repo.count({"state": state, "kind": kind})
                self._gauge.labels(kind=kind, state=state).set(count)
            if today is None or now is None:
                continue
            for view in VIEWS:
                count = await repo.count({**view_filter(view, today, now), "kind": kind})
                self._view.labels(kind=kind, view=view).set(count)

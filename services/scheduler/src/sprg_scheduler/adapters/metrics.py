"""``sprg_scheduler_clocks{kind, state}``: how many clocks are in each state, per kind.

Refreshed by the firing loop with ``count_documents`` (FerretDB v1 has no rich
``$group``); one count per kind and state, each on the ``state, due`` index prefix.
"""

from __future__ import annotations

from typing import get_args

from prometheus_client import CollectorRegistry, Gauge

from sprg_scheduler.adapters.repository import ClockRepository
from sprg_scheduler.domain.clocks import ClockState

STATES: tuple[str, ...] = get_args(ClockState)


class ClockGauges:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._gauge = Gauge(
            "sprg_scheduler_clocks",
            "Clocks by kind and state",
            ["kind", "state"],
            registry=registry,
        )

    async def refresh(self, repo: ClockRepository) -> None:
        for kind in await repo.kinds():
            for state in STATES:
                count = await repo.count({"state": state, "kind": kind})
                self._gauge.labels(kind=kind, state=state).set(count)

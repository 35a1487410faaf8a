"""What reporting publishes on ``sprg.reports``: a report was produced (counts only).

Owned by reporting; who reads it: ``sprg_shared.topics``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from sprg_shared import topics
from sprg_shared.envelope import EventData, event_type

__all__ = [
    "ReportPublished",
]


@event_type("sprg.report.published.v1", topics.REPORTS)
class ReportPublished(EventData):
    """A report was produced (counts only: no personal data; the report itself is at ``path``)."""

    report_id: str = Field(description="kind and period, e.g. sprg_bimonthly:2026-03-01")
    kind: Literal["sprg_bimonthly", "executive_quarterly"]
    period_start: date
    period_end: date
    produced_at: datetime
    path: str = Field(description="URL path of the HTML report on the reporting service")
    counts: dict[str, int]

    def subject(self) -> str:
        return self.report_id

"""The rule pack in force, on the compacted ``sprg.rulepacks`` (the rules service to itself,
every replica).

Owned by rules; who reads it: ``sprg_shared.topics``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from sprg_shared import topics
from sprg_shared.envelope import EventData, event_type

__all__ = [
    "RulepackActivated",
]


@event_type("sprg.rulepack.activated.v1", topics.RULEPACKS)
class RulepackActivated(EventData):
    """A rule pack version put in force (or withdrawn) for every replica of the rules service.

    Keyed by ``pack_id@version`` on a compacted topic, so each version's latest state
    survives compaction and a case can be judged by the pack in force on its date.
    """

    pack_id: str
    version: str
    hash: str
    text: str = Field(description="the pack itself (YAML); rule packs hold no personal data")
    status: Literal["active", "withdrawn"]
    by: str
    at: datetime
    reason: str

    def subject(self) -> str:
        return f"{self.pack_id}@{self.version}"

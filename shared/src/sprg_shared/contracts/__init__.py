"""The bus's contracts: one module per topic, each owned by the service that produces it.

| module | topic | producer |
|--------|-------|----------|
| ``intake`` | ``sprg.intake`` | intake |
| ``decisions`` | ``sprg.decisions`` | rules |
| ``rulepacks`` | ``sprg.rulepacks`` | rules |
| ``clocks`` | ``sprg.clocks`` | scheduler |
| ``calendar`` | ``sprg.calendar`` | scheduler |
| ``notifications`` | ``sprg.notifications`` | notifier |
| ``reports`` | ``sprg.reports`` | reporting |
| ``dead_letters`` | ``sprg.dlq`` | every consumer (``sprg_shared.bus``) |

Importing the package registers every event type (``envelope.read_event`` reads any of
them); who consumes each topic is declared in ``sprg_shared.topics`` and mapped in the
README (``tests/unit/test_contracts.py`` keeps the map current).
"""

from __future__ import annotations

from sprg_shared.contracts import (
    calendar,
    clocks,
    dead_letters,
    decisions,
    intake,
    notifications,
    reports,
    rulepacks,
)

__all__ = [
    "calendar",
    "clocks",
    "dead_letters",
    "decisions",
    "intake",
    "notifications",
    "reports",
    "rulepacks",
]

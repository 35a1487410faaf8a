"""The types of fact a rule pack may read (shared by every subject's vocabulary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# ``text`` facts are plain words for reasons ({placeholders}) only: no condition reads them.
FactType = Literal["enum", "int", "bool", "date", "text"]

# Outcome name -> the detail keys it takes and their allowed values.
Outcomes = dict[str, dict[str, tuple[str, ...]]]


@dataclass(frozen=True)
class FactSpec:
    type: FactType
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """What a pack about one subject (an incident, a meeting...) may read and decide."""

    subject: str
    facts: dict[str, FactSpec] = field(default_factory=dict)
    outcomes: Outcomes = field(default_factory=dict)

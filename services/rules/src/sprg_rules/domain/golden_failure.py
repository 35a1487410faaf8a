"""One mismatch between a golden case's expectation and a pack's answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GoldenFailure:
    case: str
    field: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.case}: {self.field}: expected {self.expected!r}, got {self.actual!r}"

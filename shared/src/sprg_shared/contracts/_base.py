"""What every contract module builds on: a frozen part of an event that ignores fields it
does not know yet (a newer producer may add some)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

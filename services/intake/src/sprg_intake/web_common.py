"""Header parameters every POST shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="a retried POST with the same key returns the first result, never a second",
    ),
]
Traceparent = Annotated[str | None, Header()]

"""Header parameters every POST shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from sprg_shared import tracing

IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="a retried POST with the same key returns the first result, never a second",
    ),
]


def _traceparent(traceparent: Annotated[str | None, Header()] = None) -> str | None:
    """The request's trace (the web layer starts one when the caller sent none)."""
    return tracing.current() or traceparent


Traceparent = Annotated[str | None, Depends(_traceparent)]

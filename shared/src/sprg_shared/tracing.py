"""W3C trace context: one trace id follows a case across every hop."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Literal

__all__ = [
    "Kind",
    "SpanFactory",
    "child_traceparent",
    "current",
    "new_traceparent",
    "span",
    "span_id",
    "trace_id",
    "traced",
    "use_spans",
]

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def child_traceparent(parent: str | None) -> str:
    """Same trace id, a new span id; a fresh trace when the parent is absent or malformed."""
    match = _TRACEPARENT.match(parent or "")
    if match is None:
        return new_traceparent()
    return f"00-{match.group(1)}-{secrets.token_hex(8)}-{match.group(3)}"


def trace_id(traceparent: str | None) -> str | None:
    match = _TRACEPARENT.match(traceparent or "")
    return match.group(1) if match else None


_CURRENT: ContextVar[str | None] = ContextVar("sprg_traceparent", default=None)


def current() -> str | None:
    """The traceparent of the request or event being handled here, if any."""
    return _CURRENT.get()


@contextmanager
def traced(traceparent: str | None) -> Iterator[str | None]:
    """Within the block, logs carry this trace (and ``current()`` returns it)."""
    token = _CURRENT.set(traceparent)
    try:
        yield traceparent
    finally:
        _CURRENT.reset(token)


def span_id(traceparent: str | None) -> str | None:
    match = _TRACEPARENT.match(traceparent or "")
    return match.group(2) if match else None


Kind = Literal["server", "consumer"]
SpanFactory = Callable[[str, str | None, Kind], AbstractContextManager[str]]
_SPANS: list[SpanFactory] = []


def use_spans(factory: SpanFactory | None) -> None:
    """Let ``factory`` (OpenTelemetry, ``sprg_shared.otel``) make the spans; None: ids only."""
    _SPANS[:] = [factory] if factory else []


@contextmanager
def span(name: str, parent: str | None, kind: Kind) -> Iterator[str]:
    """One unit of work (a request, a consumed event): yields its traceparent, a child of
    ``parent`` (same trace id) or the first of a new trace."""
    if not _SPANS:
        yield child_traceparent(parent)
        return
    with _SPANS[0](name, parent, kind) as traceparent:
        yield traceparent

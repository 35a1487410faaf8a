"""Deterministic identifiers: the same facts give the same id; re-processing is harmless."""

from __future__ import annotations

import uuid

__all__ = ["new_id", "stable_id"]

_NAMESPACE = uuid.UUID("6f1c2a4e-58b1-4d8e-9f0a-3c7d1e2b5a90")


def stable_id(*parts: str) -> str:
    """A UUIDv5 over the parts, joined unambiguously."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def new_id() -> str:
    return str(uuid.uuid4())

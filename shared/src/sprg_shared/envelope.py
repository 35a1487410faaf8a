"""The one envelope every message travels in (CloudEvents 1.0 attribute names + W3C traceparent).

Event payloads are frozen Pydantic models registered under a versioned ``type``
(``sprg.incident.reported.v1``). Old versions are upcast on read, never broken.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sprg_shared.ids import new_id

E = TypeVar("E", bound="type[EventData]")

TYPE_PATTERN = r"^sprg\.[a-z_]+(\.[a-z_]+)*\.v[0-9]+$"


class EventData(BaseModel):
    """Base of every event payload. Readers ignore fields they do not know yet."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]

    def subject(self) -> str:
        """The Kafka key: the case (or meeting) the event is about."""
        return str(getattr(self, "case_id"))  # noqa: B009 - every payload names its subject


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(pattern=TYPE_PATTERN)
    subject: str = Field(min_length=1)
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    traceparent: str | None = None
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)


class UnknownEventType(ValueError):
    """The envelope names a type this reader has no model or upcaster for."""


_REGISTRY: dict[str, type[EventData]] = {}
_UPCASTERS: dict[str, Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]] = {}


def event_type(name: str, topic: str) -> Callable[[E], E]:
    """Register a payload model under its versioned type and the topic it is published on."""

    def register(cls: E) -> E:
        if name in _REGISTRY:
            raise ValueError(f"event type {name} registered twice")
        cls.TYPE = name
        cls.TOPIC = topic
        _REGISTRY[name] = cls
        return cls

    return register


def register_upcaster(
    old_type: str, upcast: Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]
) -> None:
    """Read ``old_type`` payloads as a newer version: ``upcast(data) -> (new_type, new_data)``."""
    _UPCASTERS[old_type] = upcast


def registered_types() -> dict[str, type[EventData]]:
    return dict(_REGISTRY)


def envelope_for(
    event: EventData,
    *,
    source: str,
    event_id: str | None = None,
    traceparent: str | None = None,
    time: datetime | None = None,
) -> Envelope:
    return Envelope(
        id=event_id or new_id(),
        source=source,
        type=event.TYPE,
        subject=event.subject(),
        time=time or datetime.now(UTC),
        traceparent=traceparent,
        data=json.loads(event.model_dump_json()),
    )


def read_event(envelope: Envelope) -> EventData:
    """The typed payload, upcast to the newest version this reader knows.

    Raises ``UnknownEventType`` or pydantic's ``ValidationError`` on a payload that
    cannot be read: callers dead-letter it.
    """
    type_, data = envelope.type, envelope.data
    seen: set[str] = set()
    while type_ not in _REGISTRY and type_ in _UPCASTERS and type_ not in seen:
        seen.add(type_)
        type_, data = _UPCASTERS[type_](data)
    model = _REGISTRY.get(type_)
    if model is None:
        raise UnknownEventType(f"no model for event type {envelope.type!r}")
    return model.model_validate(data)


__all__ = [
    "Envelope",
    "EventData",
    "UnknownEventType",
    "ValidationError",
    "envelope_for",
    "event_type",
    "read_event",
    "register_upcaster",
    "registered_types",
]

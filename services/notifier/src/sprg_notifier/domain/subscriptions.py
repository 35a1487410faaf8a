"""Subscriptions as data: which event types notify which roles, with which template."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from sprg_shared.envelope import registered_types


class Subscription(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event: str
    when: dict[str, str | int | bool] = Field(default_factory=dict)
    template: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    roles: Annotated[tuple[str, ...], Field(min_length=1)]

    def matches(self, event_type: str, data: dict[str, Any]) -> bool:
        return event_type == self.event and all(data.get(k) == v for k, v in self.when.items())


class Subscriptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subscriptions: tuple[Subscription, ...]

    def for_event(self, event_type: str, data: dict[str, Any]) -> list[Subscription]:
        return [s for s in self.subscriptions if s.matches(event_type, data)]

    def event_types(self) -> set[str]:
        return {s.event for s in self.subscriptions}


def load_subscriptions(text: str | None = None) -> Subscriptions:
    """Parse and check the subscriptions: every event type named must exist."""
    if text is None:
        text = resources.files("sprg_notifier").joinpath("subscriptions.yaml").read_text()
    subscriptions = Subscriptions.model_validate(yaml.safe_load(text))
    unknown = subscriptions.event_types() - set(registered_types())
    if unknown:
        raise ValueError(f"subscriptions name unknown event types: {sorted(unknown)}")
    return subscriptions

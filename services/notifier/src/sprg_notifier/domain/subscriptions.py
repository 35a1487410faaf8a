"""Subscriptions as data: which events tell which roles, with which template.

``when`` filters on the event's fields by dotted path; a path through a list matches
when any element does (``decisions.outcome: meeting_forecast_inquorate``). A recipient
is a role, optionally narrowed to the agencies the event names (``agencies_from``: a
dotted path whose values are agency ids or codes).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sprg_notifier.domain.directory import DYNAMIC_ROLES, ROLES, Slug
from sprg_shared import contracts  # noqa: F401 - registers every event type
from sprg_shared.envelope import registered_types

Scalar = str | int | bool


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str
    agencies_from: str | None = Field(
        default=None, description="only holders of the role in the agencies found at this path"
    )
    only_if: str | None = Field(
        default=None,
        description="addressed only when the event has a value at this path (e.g. a copy to "
        "the Business Team of a request's reminder, which names its owner_agency)",
    )


class Subscription(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Slug
    event: str
    when: dict[str, Scalar] = Field(default_factory=dict)
    template: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    recipients: Annotated[tuple[Recipient, ...], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _roles_shorthand(cls, value: Any) -> Any:
        # `roles: [chair, business_manager]` is short for recipients without a filter.
        if isinstance(value, dict) and "roles" in value:
            value = dict(value)
            roles = value.pop("roles")
            value["recipients"] = [*value.get("recipients", ()), *({"role": r} for r in roles)]
        return value

    def matches(self, event_type: str, data: dict[str, Any]) -> bool:
        return event_type == self.event and all(
            value in values_at(data, path) for path, value in self.when.items()
        )


def values_at(data: Any, path: str) -> list[Any]:
    """Every value at the dotted ``path``, lists flattened on the way."""
    found = [data]
    for key in path.split("."):
        step: list[Any] = []
        for item in found:
            for each in item if isinstance(item, list | tuple) else [item]:
                if isinstance(each, dict) and key in each:
                    step.append(each[key])
        found = step
    return [v for item in found for v in (item if isinstance(item, list | tuple) else [item])]


class Subscriptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subscriptions: tuple[Subscription, ...]

    def for_event(self, event_type: str, data: dict[str, Any]) -> list[Subscription]:
        return [s for s in self.subscriptions if s.matches(event_type, data)]


class UnknownNameError(ValueError):
    """A subscription names an event type, template or role that does not exist."""


def check(subscription: Subscription, templates: Iterable[str]) -> None:
    """Raise naming the first unknown event type, template or role."""
    if subscription.event not in registered_types():
        raise UnknownNameError(f"unknown event type: {subscription.event}")
    if subscription.template not in set(templates):
        raise UnknownNameError(f"unknown template: {subscription.template}")
    for recipient in subscription.recipients:
        if recipient.role not in ROLES and recipient.role not in DYNAMIC_ROLES:
            raise UnknownNameError(f"unknown role: {recipient.role}")


def load_subscriptions(templates: Iterable[str], text: str | None = None) -> Subscriptions:
    """The shipped subscriptions (or ``text``), each checked."""
    if text is None:
        text = resources.files("sprg_notifier").joinpath("subscriptions.yaml").read_text()
    subscriptions = Subscriptions.model_validate(yaml.safe_load(text))
    names = set(templates)
    for subscription in subscriptions.subscriptions:
        check(subscription, names)
    return subscriptions

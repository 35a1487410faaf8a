"""The directory: people, the roles they hold, and how to reach them."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, model_validator


class Person(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    person_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: EmailStr
    agency: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[frozenset[str], Field(min_length=1)]
    channel: Literal["email", "webhook"] = "email"
    webhook_url: AnyHttpUrl | None = None

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> Self:
        if self.channel == "webhook" and self.webhook_url is None:
            raise ValueError("webhook_url is required when channel is webhook")
        return self

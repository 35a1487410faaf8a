"""The directory: people, the roles they hold, and how to reach them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class Person(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    person_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: EmailStr
    agency: Annotated[str, Field(min_length=1, max_length=100)]
    roles: Annotated[frozenset[str], Field(min_length=1)]

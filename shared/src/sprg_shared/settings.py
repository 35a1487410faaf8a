"""Settings shared by every service: built at start-up from the environment, never at import."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sprg_shared.auth import check_secret


def _instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(BaseSettings):
    """The base every service's settings class extends.

    Connection addresses use the plain names the start scripts and tests export
    (``KAFKA_BOOTSTRAP_SERVERS``, ``MONGODB_URL``); everything service-specific is read
    under the service's own prefix (``SPRG_INTAKE_PORT``...).
    """

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    mongodb_url: str = Field(validation_alias=AliasChoices("MONGODB_URL", "mongodb_url"))
    log_level: str = Field(
        default="INFO", validation_alias=AliasChoices("SPRG_LOG_LEVEL", "log_level")
    )
    jwt_secret: str = Field(
        validation_alias=AliasChoices("SPRG_JWT_SECRET", "jwt_secret"),
        description="HS256 secret that signs bearer tokens (`sprg tokens mint`); no default",
    )
    otel_exporter: Literal["none", "otlp", "console"] = Field(
        default="none",
        validation_alias=AliasChoices("SPRG_OTEL_EXPORTER", "otel_exporter"),
        description="OpenTelemetry span export (sprg_shared.otel); off by default",
    )
    consumer_start_at: datetime | None = Field(
        default=None,
        validation_alias=AliasChoices("SPRG_CONSUMER_START_AT", "consumer_start_at"),
        description="where a consumer group with no committed offsets starts: the first "
        "event at or after this time (default: the beginning of each topic). A group that "
        "has committed offsets always resumes from them.",
    )
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="largest request body read; a longer one is refused with 413 (per service "
        "prefix, e.g. SPRG_RULES_MAX_BODY_BYTES; intake: its upload limit plus form overhead)",
    )
    http_host: str = "127.0.0.1"
    http_port: int
    database: str
    instance_id: str = Field(default_factory=_instance_id)

    @field_validator("jwt_secret")
    @classmethod
    def _secret_long_enough(cls, value: str) -> str:
        return check_secret(value)

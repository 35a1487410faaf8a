"""Intake settings: ``SPRG_INTAKE_*`` plus the shared connection variables."""

from __future__ import annotations

import base64
import binascii

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from sprg_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SPRG_INTAKE_", extra="ignore", frozen=True)

    http_port: int = 8001
    database: str = "sprg_intake"
    consumer_group: str = Field(
        default="sprg-intake", description="follows sprg.dlq: what another service could not do"
    )
    pii_key: str = Field(description="base64 of a 32-byte AES-256-GCM key for personal data")
    pii_key_id: str = "k1"
    outbox_poll_seconds: float = 1.0
    max_upload_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        le=11 * 1024 * 1024,
        description="the most a return's documents may weigh together; sealed, they stay in one"
        " store document (16 MB at most), so nothing is ever half-written",
    )

    @field_validator("pii_key")
    @classmethod
    def _key_is_32_bytes(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError("pii_key must be base64") from exc
        if len(raw) != 32:
            raise ValueError("pii_key must decode to 32 bytes (AES-256)")
        return value

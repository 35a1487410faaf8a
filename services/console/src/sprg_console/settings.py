"""Console settings: ``SPRG_CONSOLE_*``. The console keeps no statutory data and reads no
broker; the store holds only its sessions (``MONGODB_URL``, database ``SPRG_CONSOLE_DATABASE``)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE = Path(__file__).resolve().parent


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPRG_CONSOLE_", extra="ignore", frozen=True)

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="where people reach the console (the sign-in's redirect URI starts here)",
    )
    log_level: str = Field(
        default="INFO", validation_alias=AliasChoices("SPRG_LOG_LEVEL", "log_level")
    )
    intake_url: str = "http://127.0.0.1:8001"
    rules_url: str = "http://127.0.0.1:8002"
    scheduler_url: str = "http://127.0.0.1:8003"
    notifier_url: str = "http://127.0.0.1:8004"
    reporting_url: str = "http://127.0.0.1:8005"
    oidc_issuer: str = Field(
        default="http://127.0.0.1:8080/realms/sprg",
        description="the OpenID Connect provider (Keycloak realm `sprg`)",
    )
    oidc_client_id: str = "sprg-console"
    oidc_client_secret: str = Field(
        default="", description="the confidential client's secret (.local/secrets.env)"
    )
    session_secret: str = Field(
        min_length=32, description="signs the session cookie (at least 32 characters)"
    )
    mongodb_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MONGODB_URL", "mongodb_url"),
        description="the store the sessions are kept in (shared by every replica)",
    )
    database: str = Field(default="sprg_console", description="the store's database for sessions")
    session_key: str = Field(
        default="",
        description="base64 of a 32-byte AES-256-GCM key sealing the sessions (their tokens) "
        "at rest, as intake's SPRG_INTAKE_PII_KEY",
    )
    session_key_id: str = "k1"
    session_hours: float = Field(default=8.0, gt=0, description="a session's longest life")
    secure_cookies: bool = Field(
        default=False, description="mark the session cookie Secure (behind HTTPS)"
    )
    static_dir: Path = Field(
        default=PACKAGE / "static",
        description="GOV.UK Frontend's assets (deploy/local/console-assets.sh puts them here)",
    )
    api_timeout_seconds: float = Field(default=10.0, gt=0)
    agencies_file: Path | None = Field(
        default=None,
        description="the partnership's agencies (a seed file like deploy/demo/croydon-sprg.json) "
        "for people who may not read the notifier's directory",
    )

    @field_validator("session_key")
    @classmethod
    def _a_256_bit_key(cls, value: str) -> str:
        if not value:
            return value
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("session_key must be base64") from exc
        if len(raw) != 32:
            raise ValueError("session_key must decode to 32 bytes (AES-256)")
        return value

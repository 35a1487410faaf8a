"""Settings shared by every service: built at start-up from the environment, never at import."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sprg_shared.auth import AuthConfig

__all__ = ["ServiceSettings"]


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
    env: Literal["development", "production"] = Field(
        default="development",
        validation_alias=AliasChoices("SPRG_ENV", "env"),
        description="production refuses development tokens and needs the OIDC settings",
    )
    auth_issuer: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SPRG_AUTH_ISSUER", "auth_issuer"),
        description="the OpenID Connect issuer whose access tokens are accepted "
        "(e.g. http://127.0.0.1:8080/realms/sprg)",
    )
    auth_audience: str = Field(
        default="sprg-api",
        validation_alias=AliasChoices("SPRG_AUTH_AUDIENCE", "auth_audience"),
        description="the audience (aud) every access token must name",
    )
    auth_jwks_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SPRG_AUTH_JWKS_URL", "auth_jwks_url"),
        description="the provider's keys; default: jwks_uri of the issuer's discovery document",
    )
    auth_max_token_lifetime: int = Field(
        default=3600,
        gt=0,
        validation_alias=AliasChoices("SPRG_AUTH_MAX_TOKEN_LIFETIME", "auth_max_token_lifetime"),
        description="seconds: a token whose exp - iat is longer is refused",
    )
    auth_roles_claim: str = Field(
        default="realm_access.roles",
        validation_alias=AliasChoices("SPRG_AUTH_ROLES_CLAIM", "auth_roles_claim"),
        description="dotted path of the roles list (Keycloak realm_access.roles, Entra roles)",
    )
    auth_agency_claim: str = Field(
        default="agency",
        validation_alias=AliasChoices("SPRG_AUTH_AGENCY_CLAIM", "auth_agency_claim"),
        description="dotted path of the agency claim the provider controls",
    )
    auth_subject_claim: str = Field(
        default="sub",
        validation_alias=AliasChoices("SPRG_AUTH_SUBJECT_CLAIM", "auth_subject_claim"),
        description="the claim naming the person in the audit (sub; or preferred_username)",
    )
    auth_agencies_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("SPRG_AUTH_AGENCIES_FILE", "auth_agencies_file"),
        description="the partnership file whose agencies[].agency_id are the known agencies "
        "(required in production; without it any agency code is accepted)",
    )
    auth_dev_key_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("SPRG_AUTH_DEV_KEY_FILE", "auth_dev_key_file"),
        description="development only: the local key `sprg tokens mint` signs with",
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

    @model_validator(mode="after")
    def _auth_safe(self) -> ServiceSettings:
        self.auth().check()
        return self

    def auth(self) -> AuthConfig:
        return AuthConfig(
            issuer=self.auth_issuer,
            audience=self.auth_audience,
            jwks_url=self.auth_jwks_url,
            max_lifetime=timedelta(seconds=self.auth_max_token_lifetime),
            roles_claim=self.auth_roles_claim,
            agency_claim=self.auth_agency_claim,
            subject_claim=self.auth_subject_claim,
            agencies_file=self.auth_agencies_file,
            dev_key_file=self.auth_dev_key_file,
            production=self.env == "production",
        )

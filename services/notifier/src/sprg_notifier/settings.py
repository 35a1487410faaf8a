"""Notifier settings: ``SPRG_NOTIFIER_*`` plus the shared connection variables."""

from __future__ import annotations

from datetime import time

from pydantic_settings import SettingsConfigDict

from sprg_shared.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SPRG_NOTIFIER_", extra="ignore", frozen=True)

    http_port: int = 8004
    database: str = "sprg_notifier"
    consumer_group: str = "sprg-notifier"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 15.0
    from_address: str = "sprg-notifications@localhost"
    # The console as readers reach it: every link in a message opens the page there for
    # its kind of subject (/cases/{id}, /escalations/{id}, /meetings/{id}, ...).
    console_url: str = "http://127.0.0.1:8000"
    webhook_secret: str | None = None
    webhook_timeout_seconds: float = 10.0
    # Exact origins (scheme://host:port) exempt from "public HTTPS only": a receiver on
    # this machine in development and tests. Empty in production.
    webhook_allowed_origins: tuple[str, ...] = ()
    delivery_attempts: int = 4
    retry_backoff_seconds: float = 0.5
    digest_at: time = time(8, 0)  # London time; a person's daily digest goes out then
    digest_poll_seconds: float = 30.0
    # A digest claimed this long ago and never finished (its replica died) is taken over.
    digest_lease_seconds: float = 600.0

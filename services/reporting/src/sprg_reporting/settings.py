"""Reporting settings: ``SPRG_REPORTING_*`` plus the shared connection variables."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from sprg_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SPRG_REPORTING_", extra="ignore", frozen=True)

    http_port: int = 8005
    database: str = "sprg_reporting"
    consumer_group: str = "sprg-reporting"

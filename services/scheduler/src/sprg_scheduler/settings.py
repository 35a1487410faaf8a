"""Scheduler settings: ``SPRG_SCHEDULER_*`` plus the shared connection variables."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from sprg_shared.settings import ServiceSettings


class SchedulerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SPRG_SCHEDULER_", extra="ignore", frozen=True)

    http_port: int = 8003
    database: str = "sprg_scheduler"
    consumer_group: str = "sprg-scheduler"

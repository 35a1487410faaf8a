"""Reporting settings: ``SPRG_REPORTING_*`` plus the shared connection variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sprg_shared import topics
from sprg_shared.settings import ServiceSettings

SOURCE_TOPICS = (topics.INTAKE, topics.DECISIONS, topics.CLOCKS, topics.NOTIFICATIONS)


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SPRG_REPORTING_", extra="ignore", frozen=True)

    http_port: int = 8005
    database: str = "sprg_reporting"
    consumer_group: str = "sprg-reporting"
    # Where the facts come from and where produced reports are announced (tests move them).
    source_topics: tuple[str, ...] = SOURCE_TOPICS
    reports_topic: str = topics.REPORTS
    # Group members in this process (one partition each at most): folds wait on the store,
    # so members on different partitions overlap their round trips.
    consumers: int = Field(default=1, ge=1, le=12)

"""Scheduler settings: ``SPRG_SCHEDULER_*`` plus the shared connection variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from sprg_shared.settings import ServiceSettings


class SchedulerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SPRG_SCHEDULER_", extra="ignore", frozen=True)

    http_port: int = 8003
    database: str = "sprg_scheduler"
    consumer_group: str = "sprg-scheduler"
    reminder_offsets: tuple[int, ...] = Field(
        default=(2, 0), description="working days before the due date a reminder goes out"
    )
    reminder_hour: int = Field(default=8, ge=0, le=23, description="Europe/London hour")
    breach_hour: int = Field(
        default=9, ge=0, le=23, description="Europe/London hour of the day after the due date"
    )
    tick_seconds: float = Field(default=1.0, gt=0, description="how often the firing loop wakes")
    lease_seconds: float = Field(
        default=30.0, gt=0, description="how long a claim on a clock lasts"
    )
    fire_batch: int = Field(default=500, ge=1)
    fire_concurrency: int = Field(default=64, ge=1)
    gauge_refresh_seconds: float = Field(
        default=15.0,
        gt=0,
        description="the least time between gauge refreshes; a refresh that takes longer"
        " than a tenth of it spaces the next out to ten times its own length",
    )
    duty_sync_seconds: float = Field(
        default=3600.0, gt=0, description="how often duty clocks are synced with the schedule"
    )
    clock_kinds_file: Path | None = Field(
        default=None,
        description="clock kinds: pausable, statutory, local targets"
        " (default: packaged config/clock_kinds.yaml)",
    )

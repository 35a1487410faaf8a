"""Rules settings: ``SPRG_RULES_*`` plus the shared connection variables."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from sprg_shared.settings import ServiceSettings


class RulesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SPRG_RULES_", extra="ignore", frozen=True)

    http_port: int = 8002
    database: str = "sprg_rules"
    consumer_group: str = "sprg-rules"
    pack_id: str = "statutory-england"
    pack_catch_up_seconds: float = 60.0
    engine_max_rulesets: int = 16

"""How clients authenticate to the broker: settings read from the environment.

``KAFKA_SECURITY_PROTOCOL`` (PLAINTEXT by default; ``make run`` uses SASL_PLAINTEXT on
loopback, a deployment SASL_SSL), ``KAFKA_SASL_MECHANISM`` (SCRAM-SHA-512),
``KAFKA_SASL_USERNAME`` and ``KAFKA_SASL_PASSWORD``. Every Kafka client the project makes
(producer, consumers, admin) takes ``**kafka_security()``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["KafkaSecurity", "kafka_security"]


class KafkaSecurity(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = Field(
        default="PLAINTEXT",
        validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL", "security_protocol"),
    )
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        default="SCRAM-SHA-512",
        validation_alias=AliasChoices("KAFKA_SASL_MECHANISM", "sasl_mechanism"),
    )
    sasl_username: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_USERNAME", "sasl_username")
    )
    sasl_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_PASSWORD", "sasl_password")
    )

    @model_validator(mode="after")
    def _credentials_with_sasl(self) -> KafkaSecurity:
        if self.security_protocol.startswith("SASL_") and not (
            self.sasl_username and self.sasl_password
        ):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs KAFKA_SASL_USERNAME "
                "and KAFKA_SASL_PASSWORD"
            )
        return self

    def client_config(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's producer, consumer and admin client."""
        config: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.security_protocol.startswith("SASL_") and self.sasl_password is not None:
            config.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password.get_secret_value(),
            )
        return config


def kafka_security() -> dict[str, Any]:
    """The client settings of this process's environment (read each time: cheap)."""
    return KafkaSecurity().client_config()

"""The channel contracts (tests/contracts/channels.py) on the notifier's in-memory channels."""

from __future__ import annotations

from typing import Any

import pytest

from sprg_notifier.adapters.memory import MemoryEmail, MemoryWebhook
from tests.contracts.channels import EmailChannelContract, WebhookChannelContract


class InMemoryEmail:
    def __init__(self) -> None:
        self.sender = MemoryEmail()

    def received(self) -> list[tuple[str, str, str]]:
        return [(m.to, m.message.subject, m.delivery_id) for m in self.sender.sent]

    def refuse_all(self) -> None:
        self.sender.refuse = "550 mailbox unavailable"


class InMemoryWebhook:
    url = "https://receiver.example.org/sprg"

    def __init__(self) -> None:
        self.sender = MemoryWebhook()

    def received(self) -> list[tuple[dict[str, Any], str]]:
        return [(w.payload, w.delivery_id) for w in self.sender.sent]

    def refuse_all(self) -> None:
        self.sender.refuse = "answered 503"


class TestMemoryEmail(EmailChannelContract):
    @pytest.fixture
    def email(self) -> InMemoryEmail:
        return InMemoryEmail()


class TestMemoryWebhook(WebhookChannelContract):
    @pytest.fixture
    def webhook(self) -> InMemoryWebhook:
        return InMemoryWebhook()

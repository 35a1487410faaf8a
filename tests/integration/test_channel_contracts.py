"""The channel contracts (tests/contracts/channels.py) on the real channels: SMTP to an SMTP
server on loopback, a signed HTTP call to a receiver on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from sprg_notifier.adapters.channels import SmtpChannel, WebhookChannel
from sprg_notifier.settings import NotifierSettings
from tests.contracts.channels import EmailChannelContract, WebhookChannelContract
from tests.e2e.stack import free_port
from tests.http_server import serving
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.integration
SECRET = "contract-secret"


def settings(**changes: Any) -> NotifierSettings:
    return NotifierSettings(
        kafka_bootstrap_servers="unused:9", mongodb_url="mongodb://unused", **changes
    )


class Smtp:
    def __init__(self, port: int, mailbox: Mailbox) -> None:
        self.sender = SmtpChannel(settings(smtp_port=port, smtp_timeout_seconds=5))
        self.mailbox = mailbox

    def received(self) -> list[tuple[str, str, str]]:
        return [
            (str(m["To"]), str(m["Subject"]), str(m["Message-ID"]).strip("<>").split("@")[0])
            for m in self.mailbox.messages
        ]

    def refuse_all(self) -> None:
        self.mailbox.refuse["bt@example.org", ""] = -1


class Receiver:
    def __init__(self, url: str, sender: WebhookChannel, calls: list[tuple[Any, str]]) -> None:
        self.url, self.sender, self.calls = url, sender, calls
        self.status = 200

    def received(self) -> list[tuple[dict[str, Any], str]]:
        return list(self.calls)

    def refuse_all(self) -> None:
        self.status = 503


class TestSmtpChannel(EmailChannelContract):
    @pytest.fixture
    def email(self) -> Iterator[Smtp]:
        port = free_port()
        with smtp_server(port) as mailbox:
            yield Smtp(port, mailbox)


class TestWebhookChannel(WebhookChannelContract):
    @pytest.fixture
    async def webhook(self) -> AsyncIterator[Receiver]:
        app = FastAPI()
        calls: list[tuple[Any, str]] = []
        holder: dict[str, Receiver] = {}

        @app.post("/sprg")
        async def receive(request: Request) -> Response:
            receiver = holder["it"]
            if receiver.status >= 300:
                return Response(status_code=receiver.status)
            calls.append((json.loads(await request.body()), request.headers["Idempotency-Key"]))
            return Response(status_code=204)

        async with serving(app) as base, httpx.AsyncClient(timeout=5) as client:
            sender = WebhookChannel(
                settings(webhook_secret=SECRET, webhook_allowed_origins=(base,)), client
            )
            holder["it"] = Receiver(f"{base}/sprg", sender, calls)
            yield holder["it"]

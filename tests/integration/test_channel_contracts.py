"""The channel contracts (tests/contracts/channels.py) on the real channels: SMTP to an SMTP
server on loopback, a signed HTTP call to a receiver on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from sprg_notifier.adapters.channels import SmtpChannel, WebhookChannel
from sprg_notifier.settings import NotifierSettings
from tests.contracts.channels import MESSAGE, EmailChannelContract, WebhookChannelContract
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


@dataclass
class Sessions(Mailbox):
    """A mailbox that also keeps the SMTP session (one per connection) of each message."""

    sessions: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if not any(s is session for s in self.sessions):
            self.sessions.append(session)
        return await super().handle_DATA(server, session, envelope)


async def test_one_smtp_connection_serves_many_messages_and_a_closed_one_is_reopened() -> None:
    """The channel keeps its connection; a relay that went away and came back (the old
    connection dead) still gets the next message, with no error for the caller."""
    port = free_port()
    sender = SmtpChannel(settings(smtp_port=port, smtp_timeout_seconds=5))
    first, second = Sessions(), Sessions()
    with smtp_server(port, first):
        for n in range(3):
            await sender.send(to="bt@example.org", message=MESSAGE, delivery_id=f"k-{n}")
        assert len(first.sessions) == 1  # three messages, one connection
    with smtp_server(port, second):  # a new relay process: the kept connection is dead
        await sender.send(to="bt@example.org", message=MESSAGE, delivery_id="k-3")
    await sender.close()
    assert [str(m["Message-ID"]) for m in first.messages] == [
        f"<k-{n}@sprg.invalid>" for n in range(3)
    ]
    assert [str(m["Message-ID"]) for m in second.messages] == ["<k-3@sprg.invalid>"]

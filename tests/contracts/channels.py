"""What the notifier's channels promise its delivery code, held against the in-memory channels
(tests/unit/test_channel_contracts.py) and the real ones on loopback servers (an SMTP server,
an HTTP receiver: tests/integration/test_channel_contracts.py): a message reaches its addressee
under its delivery id, once per send; a refusal is a ``ChannelError``, never silence."""

from __future__ import annotations

from typing import Any, Protocol

import pytest

from sprg_notifier.adapters.channels import ChannelError
from sprg_notifier.adapters.ports import EmailSender, WebhookSender
from sprg_notifier.domain.render import Rendered

MESSAGE = Rendered(subject="SIN-2026-0042: notify the Panel", text="By 30 November", html="<p/>")


class EmailUnderTest(Protocol):
    sender: EmailSender

    def received(self) -> list[tuple[str, str, str]]:
        """(to, subject, delivery id) of each message the relay accepted."""

    def refuse_all(self) -> None: ...


class WebhookUnderTest(Protocol):
    sender: WebhookSender
    url: str

    def received(self) -> list[tuple[dict[str, Any], str]]:
        """(payload, delivery id) of each call the receiver accepted."""

    def refuse_all(self) -> None: ...


class EmailChannelContract:
    async def test_a_message_reaches_its_addressee_under_its_delivery_id(
        self, email: EmailUnderTest
    ) -> None:
        await email.sender.send(to="bt@example.org", message=MESSAGE, delivery_id="d-1")
        await email.sender.send(to="chair@example.org", message=MESSAGE, delivery_id="d-2")
        assert sorted(email.received()) == [
            ("bt@example.org", MESSAGE.subject, "d-1"),
            ("chair@example.org", MESSAGE.subject, "d-2"),
        ]

    async def test_a_refusal_is_an_error_and_nothing_is_kept(self, email: EmailUnderTest) -> None:
        email.refuse_all()
        with pytest.raises(ChannelError):
            await email.sender.send(to="bt@example.org", message=MESSAGE, delivery_id="d-3")
        assert email.received() == []


class WebhookChannelContract:
    async def test_the_payload_arrives_under_its_delivery_id(
        self, webhook: WebhookUnderTest
    ) -> None:
        payload = {"event_id": "e1", "reference": "SIN-2026-0042"}
        await webhook.sender.send(url=webhook.url, payload=payload, delivery_id="w-1")
        assert webhook.received() == [(payload, "w-1")]

    async def test_a_refusal_is_an_error(self, webhook: WebhookUnderTest) -> None:
        webhook.refuse_all()
        with pytest.raises(ChannelError):
            await webhook.sender.send(url=webhook.url, payload={"a": 1}, delivery_id="w-2")

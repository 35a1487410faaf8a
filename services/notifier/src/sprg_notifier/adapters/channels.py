"""Delivery channels: e-mail by SMTP, webhook by HTTPS POST.

Both carry the delivery id (SMTP ``Message-ID``, webhook ``Idempotency-Key``), so a
receiver can recognise a resend after a crash between sending and recording.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx

from sprg_notifier.domain.render import Rendered
from sprg_notifier.settings import NotifierSettings


class ChannelError(Exception):
    """The channel did not accept the message this time."""


class SmtpChannel:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings

    async def send(self, *, to: str, message: Rendered, delivery_id: str) -> None:
        email = EmailMessage()
        email["From"] = self._settings.from_address
        email["To"] = to
        email["Subject"] = message.subject
        email["Message-ID"] = f"<{delivery_id}@sprg.invalid>"
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        try:
            await aiosmtplib.send(
                email,
                hostname=self._settings.smtp_host,
                port=self._settings.smtp_port,
                start_tls=self._settings.smtp_starttls,
                username=self._settings.smtp_username,
                password=self._settings.smtp_password,
                timeout=self._settings.smtp_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"SMTP: {exc}") from exc


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    def __init__(self, settings: NotifierSettings, client: httpx.AsyncClient) -> None:
        self._secret = settings.webhook_secret
        self._client = client

    async def send(self, *, url: str, payload: dict[str, Any], delivery_id: str) -> None:
        if not self._secret:
            raise ChannelError(
                "no webhook signing secret configured (SPRG_NOTIFIER_WEBHOOK_SECRET)"
            )
        body = json.dumps(payload, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery_id,
            "X-SPRG-Signature": signature(self._secret, body),
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"webhook: {exc!r}") from exc
        if response.status_code >= 300:
            raise ChannelError(f"webhook answered {response.status_code}")

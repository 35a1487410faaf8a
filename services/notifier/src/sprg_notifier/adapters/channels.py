"""Delivery channels: e-mail by SMTP, webhook by HTTPS POST.

Both carry the delivery id (SMTP ``Message-ID``, webhook ``Idempotency-Key``), so a
receiver can recognise a resend after a crash between sending and recording.

A webhook goes only to a public HTTPS address (``egress``, checked again at each send)
and is signed over its time and its body: ``X-SPRG-Timestamp: <unix seconds>`` and
``X-SPRG-Signature: sha256=HMAC-SHA256(secret, "<timestamp>." + body)``. A receiver
recomputes it and refuses a timestamp more than ``REPLAY_WINDOW_SECONDS`` from its own
clock (``verify``), so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx

from sprg_notifier.adapters.egress import UnsafeTarget, check_target
from sprg_notifier.domain.render import Rendered
from sprg_notifier.settings import NotifierSettings

REPLAY_WINDOW_SECONDS = 300


class ChannelError(Exception):
    """The channel did not accept the message this time."""

    permanent = False


class RefusedTarget(ChannelError):
    """The target may not be called at all: retrying cannot help."""

    permanent = True


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


def signature(secret: str, body: bytes, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    signed: str,
    now: float,
    window: float = REPLAY_WINDOW_SECONDS,
) -> bool:
    """What a receiver checks: the signature over timestamp and body, and the timestamp
    within ``window`` seconds of its own clock."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > window:
        return False
    return hmac.compare_digest(signature(secret, body, int(timestamp)), signed)


class WebhookChannel:
    def __init__(
        self,
        settings: NotifierSettings,
        client: httpx.AsyncClient,
        now: Callable[[], float] = time.time,  # a time source, in epoch seconds
    ) -> None:
        self._secret = settings.webhook_secret
        self.allowed_origins = settings.webhook_allowed_origins
        self._client = client
        self._now = now

    async def send(self, *, url: str, payload: dict[str, Any], delivery_id: str) -> None:
        if not self._secret:
            raise ChannelError(
                "no webhook signing secret configured (SPRG_NOTIFIER_WEBHOOK_SECRET)"
            )
        try:
            await check_target(url, self.allowed_origins)  # again: its addresses may have changed
        except UnsafeTarget as exc:
            raise RefusedTarget(str(exc)) from exc
        body = json.dumps(payload, sort_keys=True).encode()
        timestamp = int(self._now())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery_id,
            "X-SPRG-Timestamp": str(timestamp),
            "X-SPRG-Signature": signature(self._secret, body, timestamp),
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"webhook: {exc!r}") from exc
        if response.status_code >= 300:
            raise ChannelError(f"webhook answered {response.status_code}")

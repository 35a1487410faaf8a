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

import asyncio
import contextlib
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
    """One SMTP connection kept open and reused, one message at a time.

    The notifier sends one e-mail at a time per replica anyway (``SendGate``): a new
    connection per message (connect, EHLO, STARTTLS, AUTH, QUIT) was most of each send.
    A connection the relay closed while idle is found out at the next message, which is
    then tried once more on a new connection at once; any other failure drops the
    connection and is the caller's to retry.
    """

    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    def _message(self, to: str, message: Rendered, delivery_id: str) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._settings.from_address
        email["To"] = to
        email["Subject"] = message.subject
        email["Message-ID"] = f"<{delivery_id}@sprg.invalid>"
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        return email

    async def _connected(self) -> tuple[aiosmtplib.SMTP, bool]:
        """The open connection (and True: reused), or a new one (False)."""
        if self._client is not None and self._client.is_connected:
            return self._client, True
        settings = self._settings
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
        await client.connect()
        self._client = client
        return client, False

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                client.close()

    async def send(self, *, to: str, message: Rendered, delivery_id: str) -> None:
        email = self._message(to, message, delivery_id)
        async with self._lock:
            for _ in range(2):
                reused = False
                try:
                    client, reused = await self._connected()
                    await client.send_message(email)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError) as exc:
                    await self._drop()
                    if not reused:  # a new connection that failed: the relay is down
                        raise ChannelError(f"SMTP: {exc}") from exc
                    # the relay closed the idle connection: once more on a new one
                except (aiosmtplib.SMTPException, OSError) as exc:
                    await self._drop()
                    raise ChannelError(f"SMTP: {exc}") from exc
                else:
                    return
            raise ChannelError("SMTP: the relay closed the connection twice")

    async def close(self) -> None:
        async with self._lock:
            client = self._client
            if client is not None and client.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await client.quit()
            await self._drop()


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

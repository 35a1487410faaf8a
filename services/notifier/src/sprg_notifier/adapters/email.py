"""E-mail by SMTP (aiosmtplib).

The Message-ID carries the delivery id, so a resend is recognisable.
"""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from sprg_notifier.settings import NotifierSettings


class SmtpSender:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings

    async def send(self, *, to: str, subject: str, body: str, delivery_id: str) -> None:
        message = EmailMessage()
        message["From"] = self._settings.from_address
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = f"<{delivery_id}@sprg.invalid>"
        message.set_content(body)
        await aiosmtplib.send(
            message,
            hostname=self._settings.smtp_host,
            port=self._settings.smtp_port,
            start_tls=self._settings.smtp_starttls,
            username=self._settings.smtp_username,
            password=self._settings.smtp_password,
            timeout=self._settings.smtp_timeout_seconds,
        )

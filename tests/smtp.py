"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (recipient, text in the message) -> how many more times to refuse; -1 refuses for good
    refuse: dict[tuple[str, str], int] = field(default_factory=dict)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        content = envelope.content.decode("utf-8", "replace")
        with self.lock:
            for (rcpt, text), left in list(self.refuse.items()):
                if rcpt not in envelope.rcpt_tos or text not in content:
                    continue
                if left < 0:
                    return "550 mailbox unavailable"
                if left > 0:
                    self.refuse[rcpt, text] = left - 1
                    return "451 try again later"
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str, about: str = "") -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address and about in m.as_string()]

    def matching(self, text: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if text in m.as_string()]


@contextmanager
def smtp_server(port: int, mailbox: Mailbox | None = None) -> Iterator[Mailbox]:
    mailbox = mailbox or Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()

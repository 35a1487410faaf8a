"""A notifier process killed (SIGKILL) right after the SMTP server accepted a message, before
it could record the delivery as sent, then started again.

What is guaranteed, and asserted here: at-least-once sending with a stable Message-ID.
The restarted notifier finds the intent it recorded before sending (status pending),
sends once more under the same Message-ID, and marks it sent; after that a redelivery of
the event sends nothing. So the receiver holds two copies with one Message-ID, which it
can deduplicate; never two different messages for one event and recipient.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import Message
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from sprg_shared import topics
from sprg_shared.bus import Producer
from sprg_shared.contracts.clocks import ClockBreached
from sprg_shared.envelope import envelope_for
from sprg_shared.metrics import bus_metrics
from tests.conftest import service_env
from tests.e2e.stack import ARTIFACTS, free_port
from tests.integration.notifier_harness import ADMIN
from tests.servers import Servers
from tests.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.integration
Process = subprocess.Popen[bytes]


@dataclass
class KillOnAccept(Mailbox):
    """Accepts the message, then kills the sender's process before it hears "250"."""

    victim: subprocess.Popen[bytes] | None = None
    marker: str = "never"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if self.victim is not None and self.marker in envelope.content.decode("utf-8", "replace"):
            os.kill(self.victim.pid, signal.SIGKILL)
            self.victim.wait()
            self.victim = None
        return answer


@contextmanager
def notifier_process(
    env: dict[str, str], log_name: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / log_name).open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sprg_notifier"],
            env={**env, "SPRG_NOTIFIER_HTTP_PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


async def ready(url: str, process: subprocess.Popen[bytes]) -> None:
    async with asyncio.timeout(90), httpx.AsyncClient() as client:
        while True:
            assert process.poll() is None, "the notifier exited while starting"
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)


def message_ids(messages: list[Message]) -> list[str]:
    return [str(m["Message-ID"]) for m in messages]


async def test_no_second_message_id_after_a_crash_between_sending_and_recording(
    servers: Servers, run_id: str, pii_key: str, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    case_id = f"crash-{run_id}"
    kind = f"crash_{run_id}"  # only this test's clock kind reaches the one person below
    mailbox = KillOnAccept(marker=case_id)
    smtp_port = free_port()
    env = {
        **service_env(servers, run_id, pii_key),
        "SPRG_NOTIFIER_SMTP_PORT": str(smtp_port),
    }
    deliveries = mongo[f"t{run_id}_notifier"]["deliveries"]
    producer = Producer(servers.kafka, "test", bus_metrics(CollectorRegistry(), "test"))
    event = ClockBreached(
        clock_id=f"k-{run_id}",
        case_id=case_id,
        kind=kind,
        due=date(2026, 5, 12),
        breached_at=datetime(2026, 5, 13, 8, tzinfo=UTC),
        calendar_version="t",
    )
    envelope = envelope_for(event, source="sprg/test")
    with smtp_server(smtp_port, mailbox):
        with notifier_process(env, f"crash-{run_id}-1.log") as (first, url):
            mailbox.victim = first
            await ready(url, first)
            owner = {
                "person_id": "owner",
                "name": "Clock Owner",
                "email": "owner@example.org",
                "agency": "cscp",
                "roles": ["csab_contact"],
                "owns_clocks": [kind],
            }
            put = httpx.put(f"{url}/v1/directory/people/owner", json=owner, headers=ADMIN)
            assert put.status_code == 200, put.text
            await producer.publish(topics.CLOCKS, envelope)
            async with asyncio.timeout(120):
                while first.poll() is None:
                    await asyncio.sleep(0.2)
        assert first.returncode == -signal.SIGKILL
        # The server has the message; the notifier died before recording it as sent.
        [accepted] = mailbox.to("owner@example.org", case_id)
        [intent] = await deliveries.find({"case_id": case_id}).to_list()
        assert intent["status"] == "pending"

        with notifier_process(env, f"crash-{run_id}-2.log") as (second, url):
            await ready(url, second)
            async with asyncio.timeout(120):
                while (await deliveries.find_one({"_id": intent["_id"]}) or {}).get(
                    "status"
                ) != "sent":
                    await asyncio.sleep(0.2)
            # The same event again, then a new one on the same key (so it comes after).
            await producer.publish(topics.CLOCKS, envelope)
            later = envelope_for(
                event.model_copy(update={"clock_id": f"k2-{run_id}"}), source="sprg/test"
            )
            await producer.publish(topics.CLOCKS, later)
            async with asyncio.timeout(120):
                while await deliveries.count_documents({"case_id": case_id, "status": "sent"}) < 2:
                    await asyncio.sleep(0.2)
    producer.close()

    received = mailbox.to("owner@example.org", case_id)
    ids = message_ids(received)
    # The crashed delivery: exactly two copies, one Message-ID; the later event: one.
    assert ids.count(str(accepted["Message-ID"])) == 2
    assert len(ids) == 3 and len(set(ids)) == 2
    assert str(accepted["Message-ID"]) == f"<{intent['_id']}@sprg.invalid>"

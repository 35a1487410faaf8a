"""A notifier (one or more replicas on one store) with a real SMTP server, a real webhook
receiver, the real broker and store, and a time source (``Now``) the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from sprg_notifier.bootstrap import build
from sprg_notifier.handlers.events import NotifierDeps
from sprg_notifier.settings import NotifierSettings
from sprg_shared.auth import Role
from sprg_shared.bus import Producer
from sprg_shared.envelope import Envelope, EventData, envelope_for
from sprg_shared.metrics import bus_metrics
from tests.conftest import bearer
from tests.e2e.stack import free_port
from tests.http_server import serving
from tests.servers import Servers
from tests.smtp import Mailbox

WEBHOOK_SECRET = "webhook-secret-" + "w" * 30
ADMIN = bearer("cscp", Role.BUSINESS_TEAM, subject="bt")


@dataclass
class Receiver:
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    refused: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)  # text in the body -> refusals left

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            call = (dict(request.headers), await request.body())
            for text, left in self.refuse.items():
                if left > 0 and text.encode() in call[1]:
                    self.refuse[text] = left - 1
                    self.refused.append(call)
                    return Response(status_code=503)
            self.calls.append(call)
            return Response(status_code=200)

        return app

    def bodies(self, about: str = "") -> list[str]:
        return [body.decode() for _, body in self.calls if about in body.decode()]


@dataclass
class Now:
    """The notifier's ``now``: the test sets it; nothing sleeps."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Notifier:
    client: httpx.AsyncClient
    mailbox: Mailbox
    receiver: Receiver
    hook_url: str
    producer: Producer
    run_id: str
    replicas: list[FastAPI]
    db: AsyncDatabase[dict[str, Any]]
    group: str

    def deps(self, replica: int = 0) -> NotifierDeps:
        deps: NotifierDeps = self.replicas[replica].state.deps
        return deps

    async def put_people(self, people: Sequence[dict[str, Any]]) -> None:
        for person in people:
            put = await self.client.put(
                f"/v1/directory/people/{person['person_id']}", json=person, headers=ADMIN
            )
            assert put.status_code == 200, put.text

    async def put_agency(self, agency: dict[str, Any]) -> None:
        put = await self.client.put(
            f"/v1/directory/agencies/{agency['agency_id']}", json=agency, headers=ADMIN
        )
        assert put.status_code == 200, put.text

    async def publish(self, event: EventData, **planted: Any) -> Envelope:
        """Publish ``event``; ``planted`` fields go into the published data as well."""
        envelope = envelope_for(event, source="sprg/test")
        envelope = envelope.model_copy(update={"data": {**envelope.data, **planted}})
        await self.producer.publish(event.TOPIC, envelope)
        return envelope

    async def republish(self, envelope: Envelope, topic: str) -> None:
        await self.producer.publish(topic, envelope)

    async def applied(self, envelope: Envelope) -> None:
        """Poll (deadline 60 s) until the notifier has applied ``envelope``: all its
        deliveries are recorded by then."""
        key = f"{self.group}:{envelope.id}"
        async with asyncio.timeout(60):
            while await self.db["applied_events"].find_one({"_id": key}) is None:
                await asyncio.sleep(0.1)

    async def log(self, **params: str) -> list[dict[str, Any]]:
        response = await self.client.get("/v1/deliveries", params=params, headers=ADMIN)
        assert response.status_code == 200, response.text
        return list(response.json())

    async def wait_log(self, count: int, **params: str) -> list[dict[str, Any]]:
        """Poll the delivery log (deadline 60 s) until ``count`` entries match ``params``."""
        async with asyncio.timeout(60):
            while len(found := await self.log(**params)) < count:
                await asyncio.sleep(0.2)
        return found


def settings_for(servers: Servers, run_id: str, smtp_port: int, **extra: Any) -> NotifierSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": servers.kafka,
        "mongodb_url": servers.mongodb,
        "database": f"t{run_id}_notifier",
        "consumer_group": f"t{run_id}-notifier",
        "http_port": 0,
        "smtp_port": smtp_port,
        "webhook_secret": WEBHOOK_SECRET,
        "delivery_attempts": 3,
        "retry_backoff_seconds": 0.05,
        **extra,
    }
    return NotifierSettings(**values)


@asynccontextmanager
async def running_notifier(
    servers: Servers,
    run_id: str,
    mailbox: tuple[Mailbox, int],
    now: Now,
    replicas: int = 1,
    **extra: Any,
) -> AsyncIterator[Notifier]:
    box, port = mailbox
    receiver = Receiver()
    hook_port = free_port()
    # The test's receiver is on loopback over HTTP: its origin, and only it, is exempted.
    extra.setdefault("webhook_allowed_origins", (f"http://127.0.0.1:{hook_port}",))
    # Only this test's events: a new group starting at the topics' beginning first works
    # through every event earlier tests (and benchmarks on the same servers) left there,
    # which late in a run, or after a benchmark, is more than the tests' 60 s allow.
    extra.setdefault("consumer_start_at", datetime.now(UTC) - timedelta(seconds=5))
    settings = settings_for(servers, run_id, port, **extra)
    producer = Producer(servers.kafka, "test", bus_metrics(CollectorRegistry(), "test"))
    apps = [build(settings, now=now) for _ in range(replicas)]
    async with AsyncExitStack() as stack:
        hook_url = await stack.enter_async_context(serving(receiver.app(), hook_port))
        urls = [await stack.enter_async_context(serving(app)) for app in apps]
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=urls[0], timeout=30))
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb, tz_aware=True)
        stack.push_async_callback(mongo.close)
        yield Notifier(
            client,
            box,
            receiver,
            f"{hook_url}/hook",
            producer,
            run_id,
            apps,
            mongo[settings.database],
            settings.consumer_group,
        )
    producer.close()

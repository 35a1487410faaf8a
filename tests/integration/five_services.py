"""The five services' apps served in this process, on the real broker and store.

Each on its own databases (``t<run>_<service>``) and consumer groups; the groups start at
the time the test starts (``consumer_start_at``), so they see this test's events and not
the history other tests left on the shared topics.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from sprg_intake.bootstrap import build as intake_app
from sprg_notifier.bootstrap import build as notifier_app
from sprg_notifier.settings import NotifierSettings
from sprg_reporting.bootstrap import build as reporting_app
from sprg_reporting.settings import ReportingSettings
from sprg_rules.bootstrap import build as rules_app
from sprg_rules.settings import RulesSettings
from sprg_scheduler.bootstrap import build as scheduler_app
from sprg_scheduler.settings import SchedulerSettings
from tests.e2e.stack import free_port
from tests.http_server import serving
from tests.integration.intake_support import make_settings
from tests.servers import Servers
from tests.smtp import Mailbox, smtp_server

SERVICES = ("intake", "rules", "scheduler", "notifier", "reporting")

# Each service's app with no settings: enough to list its routes and OpenAPI document.
APPS: dict[str, Callable[[], FastAPI]] = {
    "intake": intake_app,
    "rules": rules_app,
    "scheduler": scheduler_app,
    "notifier": notifier_app,
    "reporting": reporting_app,
}


@dataclass
class Five:
    clients: dict[str, httpx.AsyncClient]
    urls: dict[str, str]
    databases: dict[str, str]
    mailbox: Mailbox
    run_id: str


def apps_for(servers: Servers, run_id: str, pii_key: str, smtp_port: int) -> dict[str, FastAPI]:
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": servers.kafka,
        "mongodb_url": servers.mongodb,
        "http_port": 0,
        "consumer_start_at": datetime.now(UTC) - timedelta(seconds=5),
    }

    def own(service: str) -> dict[str, Any]:
        return {
            **common,
            "database": f"t{run_id}_{service}",
            "consumer_group": f"t{run_id}-{service}",
        }

    return {
        "intake": intake_app(make_settings(servers, run_id, pii_key)),
        "rules": rules_app(RulesSettings(**own("rules"))),
        "scheduler": scheduler_app(SchedulerSettings(**own("scheduler"))),
        "notifier": notifier_app(
            NotifierSettings(**own("notifier"), smtp_port=smtp_port, webhook_secret="w" * 40)
        ),
        "reporting": reporting_app(ReportingSettings(**own("reporting"))),
    }


@asynccontextmanager
async def running_five(servers: Servers, run_id: str, pii_key: str) -> AsyncIterator[Five]:
    smtp_port = free_port()
    async with AsyncExitStack() as stack:
        mailbox = stack.enter_context(smtp_server(smtp_port))
        urls: dict[str, str] = {}
        clients: dict[str, httpx.AsyncClient] = {}
        for name, app in apps_for(servers, run_id, pii_key, smtp_port).items():
            urls[name] = await stack.enter_async_context(serving(app))
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(base_url=urls[name], timeout=30)
            )
        yield Five(clients, urls, {s: f"t{run_id}_{s}" for s in SERVICES}, mailbox, run_id=run_id)

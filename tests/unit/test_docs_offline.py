"""Every service's /docs and /redoc work with no internet: their scripts come from the service."""

from __future__ import annotations

import importlib
import re

import httpx
import pytest
from fastapi import FastAPI

from sprg_console.adapters.memory import MemorySessions
from sprg_console.bootstrap import build
from sprg_console.settings import ConsoleSettings

SERVICES = ("intake", "rules", "scheduler", "notifier", "reporting")
# Where each service's app is built: ``bootstrap.build`` everywhere.


def app_of(service: str) -> FastAPI:
    if service == "console":
        return build(ConsoleSettings(session_secret="s" * 40), session_store=MemorySessions())
    made: FastAPI = importlib.import_module(f"sprg_{service}.bootstrap").build()
    return made


@pytest.mark.parametrize("service", [*SERVICES, "console"])
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_api_docs_load_every_asset_from_the_service_itself(service: str, page: str) -> None:
    transport = httpx.ASGITransport(app=app_of(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        html = (await client.get(page)).text
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
        assert assets, f"{page} names no script or stylesheet"
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
            answer = await client.get(asset)
            assert answer.status_code == 200 and len(answer.content) > 1000, asset
        assert "fonts.googleapis" not in html

"""The console as a real process beside the e2e stack, signing people in at a real Keycloak,
and what its browser journeys share: signing in, typing a date, waiting for a page to show."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from tests.conftest import service_env
from tests.e2e.stack import ARTIFACTS, Stack, free_port, running_stack
from tests.keycloak import Keycloak
from tests.servers import Servers

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def running_console(
    stack: Stack | None, issuer: str, client_secret: str, name: str, mongodb: str | None = None
) -> Iterator[str]:
    """The console's base URL (http://127.0.0.1:PORT), ready; stopped afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPRG_CONSOLE_")}
    env.update(
        {
            "SPRG_CONSOLE_HTTP_PORT": str(port),
            "SPRG_CONSOLE_PUBLIC_URL": base,
            "SPRG_CONSOLE_OIDC_ISSUER": issuer,
            "SPRG_CONSOLE_OIDC_CLIENT_SECRET": client_secret,
            "SPRG_CONSOLE_SESSION_SECRET": "console-test-session-secret-" + "z" * 20,
            "SPRG_CONSOLE_AGENCIES_FILE": str(REPO / "deploy" / "demo" / "croydon-sprg.json"),
            # Sessions in the test store, in a database of this console's own.
            "SPRG_CONSOLE_DATABASE": f"t{uuid.uuid4().hex[:10]}_console",
            "SPRG_CONSOLE_SESSION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
    )
    env["MONGODB_URL"] = mongodb or os.environ.get("MONGODB_URL", "")
    if not env["MONGODB_URL"]:
        raise RuntimeError("the console keeps its sessions in the store: pass mongodb=")
    for service in ("intake", "rules", "scheduler", "notifier", "reporting"):
        # Without a stack, a port nothing listens on (never the `make run` services).
        url = stack.urls[service] if stack is not None else "http://127.0.0.1:9"
        env[f"SPRG_CONSOLE_{service.upper()}_URL"] = url
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"{name}-console.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sprg_console"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the console exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the console was not ready in 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def console_with_stack(
    servers: Servers, run_id: str, pii_key: str, keycloak: Keycloak, name: str
) -> Iterator[tuple[Stack, str]]:
    """The five services trusting the realm's tokens (the console forwards the person's own),
    and a console before them: (the stack, the console's base URL)."""
    env = {**service_env(servers, run_id, pii_key), "SPRG_AUTH_ISSUER": keycloak.issuer}
    secret = keycloak.secrets["SPRG_CONSOLE_CLIENT_SECRET"]
    with (
        running_stack(env, f"{name}-{run_id}") as stack,
        running_console(
            stack, keycloak.issuer, secret, f"{name}-{run_id}", servers.mongodb
        ) as console,
    ):
        yield stack, console


async def sign_in(page: Page, console: str, path: str, user: str, password: str) -> None:
    """Follow a link to the console, sign in on the realm's page, come back to ``path``."""
    await page.goto(console + path)
    await page.fill("#username", user)
    await page.fill("#password", password)
    await page.click("#kc-login")
    await page.wait_for_url(re.compile(re.escape(console) + ".*"))


async def fill_date(page: Page, name: str, day: date) -> None:
    """Type ``day`` into a GOV.UK date input named ``name``."""
    await page.fill(f"#{name}-day", str(day.day))
    await page.fill(f"#{name}-month", str(day.month))
    await page.fill(f"#{name}-year", str(day.year))


async def eventually_shown(page: Page, url: str, text: str, seconds: float = 60) -> None:
    """Reload ``url`` until ``text`` is on it: the services work from events, in seconds."""
    deadline = time.monotonic() + seconds
    while True:
        await page.goto(url)
        if text in await page.inner_text("main"):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not shown at {url} within {seconds}s")
        await page.wait_for_timeout(1000)


async def report_incident(page: Page, child: str, incident: date, aware: date, born: date) -> str:
    """Fill the incident form shown (a child normally living in Croydon died there, abuse
    suspected, neither looked after nor a care leaver), send it, and answer the reference
    the confirmation gives."""
    await page.check("#kind")  # the first choice: a child died
    await fill_date(page, "incident", incident)
    await fill_date(page, "aware", aware)
    await page.check("#location")  # in Croydon
    await page.check("#abuse-2")  # suspected
    await page.fill("#child_name", child)
    await fill_date(page, "child_dob", born)
    await page.check("#looked_after-2")
    await page.check("#care_leaver-2")
    await page.check("#resident")
    await page.click("button:has-text('Send the report')")
    await expect(page.locator(".govuk-panel")).to_contain_text("Your reference")
    return (await page.inner_text(".govuk-panel strong")).strip()

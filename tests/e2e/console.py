"""The console as a real process beside the e2e stack, signing people in at a real Keycloak."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.e2e.stack import ARTIFACTS, Stack, free_port

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

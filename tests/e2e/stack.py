"""The five services as real processes, for end-to-end tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.smtp import Mailbox, smtp_server

SERVICES = ("intake", "rules", "scheduler", "notifier", "reporting")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A free loopback port, never one this test process was given before: a port released
    and handed out twice let two servers of one test race for it (seen: address in use)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


@dataclass
class Stack:
    urls: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]]
    logs: dict[str, Path]

    def url(self, service: str, path: str) -> str:
        return self.urls[service] + path

    def log_text(self, service: str) -> str:
        return self.logs[service].read_text(errors="replace")


def wait_until_ready(stack: Stack, deadline_seconds: float) -> None:
    deadline = time.monotonic() + deadline_seconds
    pending = set(SERVICES)
    while pending and time.monotonic() < deadline:
        for service in sorted(pending):
            proc = stack.processes[service]
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{service} exited with {proc.returncode}:\n{stack.log_text(service)[-3000:]}"
                )
            try:
                if httpx.get(stack.url(service, "/readyz"), timeout=2).status_code == 200:
                    pending.discard(service)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if pending:
        tails = "\n".join(f"--- {s}\n{stack.log_text(s)[-2000:]}" for s in pending)
        raise RuntimeError(f"not ready within {deadline_seconds}s: {sorted(pending)}\n{tails}")


@contextmanager
def running_stack(
    env: dict[str, str], name: str, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    ARTIFACTS.mkdir(exist_ok=True)
    # Fresh consumer groups start at this stack's start, not at the beginning of topics
    # every earlier test of the run has filled (replaying them took longer than a deadline).
    started = datetime.now(UTC) - timedelta(seconds=5)
    env = {"SPRG_CONSUMER_START_AT": started.isoformat(), **env, **(extra_env or {})}
    urls, processes, logs = {}, {}, {}
    try:
        for service in SERVICES:
            port = free_port()
            env[f"SPRG_{service.upper()}_HTTP_PORT"] = str(port)
            urls[service] = f"http://127.0.0.1:{port}"
            logs[service] = ARTIFACTS / f"{name}-{service}.log"
            with logs[service].open("wb") as out:
                processes[service] = subprocess.Popen(
                    [sys.executable, "-m", f"sprg_{service}"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
        stack = Stack(urls, processes, logs)
        # The first stack of a run on a fresh broker, on a shared 2-core machine, has been seen
        # to need about 90 s (imports, first consumer groups): allow twice that.
        wait_until_ready(stack, 180)
        yield stack
    finally:
        for proc in processes.values():
            proc.terminate()
        for proc in processes.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def stack_with_mailbox(env: dict[str, str], name: str) -> Iterator[tuple[Stack, Mailbox]]:
    """The five services with the notifier sending to a real SMTP server of the test's."""
    smtp_port = free_port()
    with (
        smtp_server(smtp_port) as mailbox,
        running_stack(env, name, {"SPRG_NOTIFIER_SMTP_PORT": str(smtp_port)}) as stack,
    ):
        yield stack, mailbox

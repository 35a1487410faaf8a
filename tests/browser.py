"""Headless Chromium for tests that look at a page as a person would.

The browser is Debian's chromium (``deploy/local/browser.sh`` installs it when missing),
driven by Playwright; no browser is downloaded. Screenshots go to ``tests/artifacts/``
(git-ignored), kept after the run so a person can look at what the test saw.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

from playwright.async_api import Page, async_playwright

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"


@cache
def chromium_path() -> str:
    """The browser's path; installs it if missing, fails loudly if it cannot."""
    done = subprocess.run(
        [str(REPO / "deploy" / "local" / "browser.sh")], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"no headless Chromium for the browser tests: {done.stderr.strip()}")
    return done.stdout.strip()


@asynccontextmanager
async def browser_page() -> AsyncIterator[Page]:
    """A fresh page in a fresh headless Chromium."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            # bypass_csp: so axe-core can be injected as the tests' own script; the pages' own
            # scripts run under their policy (a nonce) all the same.
            yield await browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        finally:
            await browser.close()


def artifact(name: str) -> Path:
    """A path under tests/artifacts/ for a screenshot or page a test keeps."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name

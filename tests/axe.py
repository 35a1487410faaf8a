"""Accessibility checks with axe-core (npm, fetched by deploy/local/console-assets.sh).

``check(page, name)`` injects axe into the page as it stands, runs it for WCAG 2.x A and AA,
saves a screenshot and the findings under tests/artifacts/, and fails on any violation of
impact serious or critical.
"""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from tests.browser import REPO, artifact

BLOCKING = {"serious", "critical"}


@cache
def axe_source() -> str:
    found = REPO / ".local" / "axe-core" / "axe.min.js"
    if not found.is_file():
        subprocess.run(
            [str(REPO / "deploy" / "local" / "console-assets.sh")], check=True, capture_output=True
        )
    return Path(found).read_text()


async def check(page: Page, name: str) -> list[dict[str, Any]]:
    """Screenshot and axe findings for the page; serious or critical ones fail the test."""
    await page.screenshot(path=str(artifact(f"{name}.png")), full_page=True)
    await page.add_script_tag(content=axe_source())
    results: dict[str, Any] = await page.evaluate(
        """async () => await axe.run(document, {
             runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                              'wcag22aa', 'best-practice']}})"""
    )
    violations: list[dict[str, Any]] = results["violations"]
    artifact(f"{name}.axe.json").write_text(json.dumps(violations, indent=1))
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in blocking
    )
    return violations

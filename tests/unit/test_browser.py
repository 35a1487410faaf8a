"""The browser the page tests rely on renders a page and keeps a screenshot."""

from __future__ import annotations

from tests.browser import artifact, browser_page


async def test_chromium_renders_a_page_and_keeps_its_screenshot() -> None:
    shot = artifact("browser-smoke.png")
    shot.unlink(missing_ok=True)
    async with browser_page() as page:
        await page.set_content("<main><h1>Rapid Review due</h1><p>3 working days left</p></main>")
        assert await page.inner_text("h1") == "Rapid Review due"
        await page.screenshot(path=str(shot))
    assert shot.stat().st_size > 1000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

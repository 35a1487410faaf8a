"""People using the console in a real browser (Debian's Chromium), signed in at the real
Keycloak, against the five services: every page visited is checked with axe-core and kept
as a screenshot in tests/artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.axe import check
from tests.browser import browser_page
from tests.e2e.console import running_console
from tests.keycloak import Keycloak, read_secrets
from tests.servers import Servers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def keycloak(servers: Servers) -> Keycloak:
    if not servers.keycloak or servers.secrets_file is None:
        pytest.fail(f"no Keycloak in this run ({servers.how}): start it with deploy/local/infra.sh")
    return Keycloak(servers.keycloak, read_secrets(servers.secrets_file))


async def sign_in(page: Page, console: str, path: str, user: str, password: str) -> None:
    """Follow a link to the console, sign in on the realm's page, come back to ``path``."""
    await page.goto(console + path)
    await page.fill("#username", user)
    await page.fill("#password", password)
    await page.click("#kc-login")
    await page.wait_for_url(re.compile(re.escape(console) + ".*"))


async def test_an_agency_practitioner_signs_in_and_reaches_its_forms(keycloak: Keycloak) -> None:
    secret = keycloak.secrets["SPRG_CONSOLE_CLIENT_SECRET"]
    with running_console(None, keycloak.issuer, secret, "console-signin") as console:
        async with browser_page() as page:
            await sign_in(page, console, "/", "demo-police", keycloak.secrets["SPRG_DEMO_PASSWORD"])
            await expect(page.get_by_role("heading", level=1)).to_have_text(
                "What do you want to do?"
            )
            await expect(page.locator("body")).to_contain_text(
                "Signed in as Demo Police Submitter (met-police)"
            )
            await check(page, "console-agency-start")
            await page.click("text=Report a serious incident")
            await check(page, "console-incident-form")
            await page.click("button:has-text('Send the report')")
            await expect(page.locator(".govuk-error-summary")).to_contain_text(
                "Select what happened"
            )
            await check(page, "console-incident-form-errors")
            await page.click(".govuk-error-summary a:has-text('Enter the date you became aware')")
            assert await page.evaluate("document.activeElement.id") == "aware-day"
            await page.goto(console + "/refer-a-case-of-concern")
            await expect(page.locator("body")).to_contain_text("Metropolitan Police Service")
            await check(page, "console-coc-form")
            await page.click("button:has-text('Sign out')")
            await expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
            await page.goto(console + "/")
            await expect(page.locator("#kc-form-login")).to_be_visible()

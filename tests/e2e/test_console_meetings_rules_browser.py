"""The Chair reads an SPRG meeting's agenda and the quoracy decision's reasons; a rules
maintainer dry-runs and activates a rule pack; the Business Team administers seats,
subscriptions and closure days. In a real browser (Debian's Chromium),
signed in at the real Keycloak, against the five services; axe-core on every page and a
screenshot of each step in tests/artifacts/."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import expect

from sprg_shared.calendar import london_today
from tests.axe import check
from tests.browser import browser_page
from tests.e2e.console import eventually_shown, fill_date, sign_in
from tests.e2e.stack import Stack
from tests.keycloak import Keycloak

pytestmark = pytest.mark.e2e
PACKS = Path(__file__).resolve().parents[2] / "services/rules/src/sprg_rules/packs"


async def test_the_business_team_prepares_a_meeting_and_the_chair_reads_its_agenda(
    stack_and_console: tuple[Stack, str], keycloak: Keycloak
) -> None:
    _, console = stack_and_console
    password = keycloak.secrets["SPRG_DEMO_PASSWORD"]
    today = london_today()
    async with browser_page() as page:
        # The Business Team opens the next meeting of the schedule and its record.
        await sign_in(page, console, "/meetings", "demo-business-team", password)
        await expect(page.get_by_role("heading", level=1)).to_have_text("SPRG meetings")
        await check(page, "meeting-01-schedule")
        await page.locator("table").first.locator("a").first.click()
        meeting_url = page.url.split("?")[0]
        assert re.search(r"/meetings/sprg-meeting-\d{4}-\d{2}-\d{2}$", meeting_url), meeting_url
        await check(page, "meeting-02-meeting")
        await page.check("#reason-2")  # recording attendance, minutes or actions
        await page.click("button:has-text('Show the agenda, attendance and minutes')")
        await expect(page.locator("main")).to_contain_text("This meeting has no record yet")
        await page.click('button:has-text("Open the meeting\'s record")')
        await expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "The meeting's record was opened"
        )
        await expect(page.locator("#agenda")).to_contain_text("Summary of reviews")
        await check(page, "meeting-03-record-opened")

        # Attendance from the membership: the Police's seat sends apologies.
        await page.click("text=Record attendance")
        await fill_date(page, "as_of", today)
        # The proxy's name is asked under "Sent a proxy" only (revealed there).
        await expect(page.locator("#proxy-6")).to_be_hidden()
        await page.check("#seat-6-3")
        await expect(page.locator("#proxy-6")).to_be_visible()
        assert await page.locator("input[aria-expanded]").count() == 0
        await page.check("#seat-6")  # Children's Social Care: expected
        await expect(page.locator("#proxy-6")).to_be_hidden()
        await page.check("#seat-13")  # Health (ICB): expected
        await page.check("#seat-16-4")  # the Police's Detective Inspector: apologies
        await check(page, "meeting-04-attendance-form")
        await page.click("button:has-text('Record attendance')")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "Attendance recorded"
        )
        await expect(page.locator("#attendance")).to_contain_text("Apologies")
        await check(page, "meeting-05-attendance-recorded")
        await page.click("button:has-text('Sign out')")

        # The Chair: the forecast with the rules' reasons, then the agenda with a reason.
        await sign_in(page, console, meeting_url.removeprefix(console), "demo-chair", password)
        await eventually_shown(page, meeting_url, "Forecast: not quorate")
        main = page.locator("main")
        await expect(main).to_contain_text("Because:")
        await expect(main).to_contain_text("Source:")
        await check(page, "meeting-06-chair-reads-the-forecast")
        await page.check("#reason")  # preparing for or chairing the meeting
        await page.click("button:has-text('Show the agenda, attendance and minutes')")
        await expect(page.locator("#agenda")).to_contain_text("Summary of reviews")
        await expect(page.locator("#attendance")).to_contain_text("Detective Inspector")
        await expect(main).to_contain_text("Shown because: Preparing for or chairing the meeting")
        # The Chair may record the minutes (intake admits the Chair), not open a record.
        await expect(main).to_contain_text("Record the minutes")
        await check(page, "meeting-07-chair-reads-the-agenda")


async def test_a_rules_maintainer_dry_runs_and_activates_a_pack(
    stack_and_console: tuple[Stack, str], keycloak: Keycloak
) -> None:
    _, console = stack_and_console
    password = keycloak.secrets["SPRG_DEMO_PASSWORD"]
    shipped = (PACKS / "sprg-meeting.yaml").read_text()
    candidate = re.sub(r"(?m)^version: .*$", 'version: "2026.9"', shipped, count=1)
    assert candidate != shipped
    async with browser_page() as page:
        await sign_in(page, console, "/rules", "demo-rules-admin", password)
        await expect(page.get_by_role("heading", level=1)).to_have_text("Rule packs")
        await check(page, "rules-01-packs")
        await page.click("text=Try a candidate pack")
        await page.fill("#pack", candidate)
        await check(page, "rules-02-candidate-form")
        await page.click("button:has-text('Dry-run this pack')")
        main = page.locator("main")
        await expect(main).to_contain_text("sprg-meeting version 2026.9")
        await expect(main).to_contain_text("golden cases give the answers the pack expects")
        await expect(page.locator("#dry-run")).to_be_visible()
        await expect(main).to_contain_text("compared;")
        await check(page, "rules-03-dry-run")
        await page.click("button:has-text('Upload this version')")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Version 2026.9")
        await expect(main).to_contain_text("It is not in force until you activate it")
        await check(page, "rules-04-uploaded")
        await page.click("button:has-text('Activate version 2026.9')")
        await expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter why you are activating this version"
        )
        await check(page, "rules-05-reason-missing")
        await page.fill("#reason", "Browser journey: a new version of the quoracy rules")
        await page.click("button:has-text('Activate version 2026.9')")
        await expect(page.locator(".govuk-panel")).to_contain_text("sprg-meeting@2026.9")
        await check(page, "rules-06-activated")
        await page.goto(console + "/rules")
        await expect(page.locator("#in-force")).to_contain_text("2026.9")
        await check(page, "rules-07-in-force")


async def test_the_business_team_administers_seats_subscriptions_and_closure_days(
    stack_and_console: tuple[Stack, str], keycloak: Keycloak
) -> None:
    _, console = stack_and_console
    password = keycloak.secrets["SPRG_DEMO_PASSWORD"]
    closure = london_today() + timedelta(days=70)
    while closure.weekday() >= 5:
        closure += timedelta(days=1)
    async with browser_page() as page:
        await sign_in(page, console, "/administration", "demo-business-team", password)
        await check(page, "admin-01-index")
        await page.click("text=Directory and seats")
        await expect(page.locator("#seats")).to_contain_text("Detective Inspector")
        await check(page, "admin-02-directory")
        await page.click("a:has-text('Change'):has-text('Detective Inspector')")
        await page.fill("#name", "DI Journey")
        await page.select_option("#agency", "met-police")
        await page.fill("#proxies", "DS Journey")
        await fill_date(page, "from", london_today())
        await check(page, "admin-03-seat-form")
        await page.click("button:has-text('Record the seat holder')")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "Seat holder recorded"
        )
        await expect(page.locator("#seats")).to_contain_text("DI Journey")
        await expect(page.locator("#seats")).to_contain_text("DS Journey")
        await check(page, "admin-04-seat-recorded")
        await page.goto(console + "/administration/subscriptions")
        await expect(page.locator("#subscriptions")).to_be_visible()
        await check(page, "admin-05-subscriptions")
        await page.goto(console + "/administration/calendar")
        await check(page, "admin-06-calendar")
        await fill_date(page, "closure", closure)
        await page.fill("#reason", "partnership closure (journey)")
        await page.click("button:has-text('Add the closure day')")
        await expect(page.locator("#pending")).to_contain_text("partnership closure (journey)")
        await check(page, "admin-07-closure-pending")
        await page.click("button:has-text('Confirm and move these due dates')")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "the new calendar is in force"
        )
        await expect(page.locator("#closures")).to_contain_text("partnership closure (journey)")
        await check(page, "admin-08-closure-confirmed")

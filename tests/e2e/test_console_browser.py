"""People using the console in a real browser (Debian's Chromium), signed in at the real
Keycloak, against the five services: every page visited is checked with axe-core and kept
as a screenshot in tests/artifacts/."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import jwt
import pytest
from playwright.async_api import FilePayload, expect

from sprg_console.domain import words
from sprg_shared.calendar import WorkingDayCalendar, london_today
from tests.axe import check
from tests.browser import browser_page
from tests.e2e.console import (
    console_with_stack,
    eventually_shown,
    fill_date,
    report_incident,
    running_console,
    sign_in,
)
from tests.e2e.stack import Stack
from tests.keycloak import DEMO_USERS, Keycloak
from tests.servers import Servers

pytestmark = pytest.mark.e2e


async def test_an_agency_practitioner_signs_in_and_reaches_its_forms(
    keycloak: Keycloak, servers: Servers
) -> None:
    secret = keycloak.secrets["SPRG_CONSOLE_CLIENT_SECRET"]
    with running_console(
        None, keycloak.issuer, secret, "console-signin", servers.mongodb
    ) as console:
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


async def test_the_police_raise_an_escalation_and_the_business_team_lists_it_formal_first(
    stack_and_console: tuple[Stack, str], keycloak: Keycloak
) -> None:
    _, console = stack_and_console
    password = keycloak.secrets["SPRG_DEMO_PASSWORD"]
    today = london_today()
    async with browser_page() as page:
        await sign_in(page, console, "/", "demo-police", password)
        await page.click("main >> text=Raise an escalation")
        await check(page, "escalation-01-form")
        await page.click("button:has-text('Raise the escalation')")
        summary = page.locator(".govuk-error-summary")
        await expect(summary).to_contain_text("Select the agency you disagree with")
        await expect(summary).to_contain_text("Enter the date this stage started")
        await check(page, "escalation-02-form-errors")
        await page.click(".govuk-error-summary a:has-text('Enter the date this stage started')")
        assert await page.evaluate("document.activeElement.id") == "started-day"
        # agencies from the list (the police's own is not offered), the stage in words
        assert await page.locator("#with_agency option[value='met-police']").count() == 0
        await page.select_option("#with_agency", "croydon-csc")
        await page.check("#stage-3")  # Stage 3: senior managers and safeguarding leads
        await fill_date(page, "started", today - timedelta(days=2))
        await page.fill("#summary", "We disagree about whether a strategy meeting is needed.")
        await page.click("button:has-text('Raise the escalation')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Escalation recorded")
        reference = (await page.inner_text(".govuk-panel strong")).strip()
        assert re.fullmatch(r"ESC-\d{4}-\w+", reference), reference
        await expect(page.locator("main")).to_contain_text("What happens next")
        await check(page, "escalation-03-recorded")
        await page.click("button:has-text('Sign out')")

        await sign_in(page, console, "/escalations", "demo-business-team", password)
        # other journeys may have raised higher stages: the row itself, and no informal
        # escalation listed before it
        row = page.locator("main table tbody tr", has_text=reference)
        await expect(row).to_contain_text("Stage 3: senior managers and safeguarding leads")
        await expect(row).to_contain_text("Metropolitan Police Service")
        await expect(row).to_contain_text("Open, formal")
        statuses = await page.locator("main table tbody tr td:last-child").all_inner_texts()
        references = await page.locator("main table tbody tr td:first-child").all_inner_texts()
        before = statuses[: [r.strip() for r in references].index(reference)]
        assert all(s.strip() == "Open, formal" for s in before), before
        await expect(page.locator("main")).to_contain_text("open at Stage 3 or above")
        await check(page, "escalation-04-list")
        await page.goto(console + "/information-requests")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Information requests and returns"
        )
        await check(page, "escalation-05-requests-list")
        await page.goto(console + "/administration/subscriptions")
        await page.click("main table tbody tr >> nth=0 >> text=Change")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Who this message is sent to"
        )
        await check(page, "escalation-06-subscription-form")


async def test_an_agency_reports_and_the_business_team_works_the_worklist_to_a_submission(
    stack_and_console: tuple[Stack, str], keycloak: Keycloak
) -> None:
    stack, console = stack_and_console
    password = keycloak.secrets["SPRG_DEMO_PASSWORD"]
    today = london_today()
    due = WorkingDayCalendar().add_working_days(today, 5)
    async with browser_page() as page:
        # The police report an incident through the console.
        await sign_in(page, console, "/report-an-incident", "demo-police", password)
        await check(page, "journey-01-incident-form")
        reference = await report_incident(
            page, "Journey Child", today - timedelta(days=1), today, date(2019, 5, 4)
        )
        assert re.fullmatch(r"SIN-\d{4}-\w+", reference), reference
        await check(page, "journey-02-incident-reported")
        await page.click("button:has-text('Sign out')")

        # The Business Team finds it on the worklist, in plain words.
        await sign_in(page, console, "/", "demo-business-team", password)
        sentence = (
            f"Notify the Panel by {words.long_date(due)} (5 working days after you became aware)"
        )
        # The clocks are stored one by one as the decision arrives: wait for the SIN clock.
        await eventually_shown(page, console + "/", sentence)
        await expect(page.locator("#worklist")).to_contain_text(reference)
        await check(page, "journey-03-worklist")
        await page.fill("#search", reference)
        await page.click("button:has-text('Filter the worklist')")
        rows = page.locator("#worklist tbody tr")
        await expect(rows.first).to_contain_text(reference)
        assert all(reference in t for t in await rows.all_inner_texts())
        await check(page, "journey-04-worklist-filtered")

        # It opens the case: decisions with reasons; the record only with a reason.
        await page.click(f"#worklist a:has-text('{reference}')")
        await expect(page.get_by_role("heading", level=1)).to_have_text(reference)
        await expect(page.locator("main")).to_contain_text("Panel notification required")
        await expect(page.locator("main")).to_contain_text("Reported by Metropolitan Police")
        assert "Journey Child" not in await page.inner_text("main")
        await check(page, "journey-05-case")
        await page.check("#reason-3")  # checking or chasing a deadline
        await page.click("button:has-text('Show this case')")
        await expect(page.locator("main")).to_contain_text("Journey Child")
        await check(page, "journey-06-case-record")

        # It records the notification to the Panel; the clock is met.
        await page.click("text=Record the notification to the Panel")
        await check(page, "journey-07-sin-form")
        await fill_date(page, "submitted", today)
        await page.click("button:has-text('Record the notification')")
        await expect(page.locator(".govuk-panel")).to_contain_text(reference)
        await expect(page.locator("main")).to_contain_text("What happens next")
        await check(page, "journey-08-sin-recorded")
        await page.click("text=Go back to the case")
        case_url = page.url
        await eventually_shown(page, case_url, "Done")
        await check(page, "journey-09-case-after-submission")

        # It asks the police for an IMR; the police send it back with a document.
        await page.click("text=Ask an agency for information")
        await page.select_option("#agency", "met-police")
        await page.check("#kind")  # an IMR
        await fill_date(page, "due", WorkingDayCalendar().add_working_days(today, 10))
        await check(page, "journey-10-request-form")
        await page.click("button:has-text('Send the request')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Request sent")
        await check(page, "journey-11-request-sent")
        return_path = await page.get_attribute("#return-link", "href")
        assert return_path and return_path.endswith("/return")
        await page.click("button:has-text('Sign out')")
        await sign_in(page, console, return_path, "demo-police", password)
        # What is asked of the police, and by when: the IMR, with the way to answer it.
        await page.goto(console + "/asked-of-you")
        await expect(page.get_by_role("heading", level=1)).to_have_text("What is asked of you")
        asked = page.locator("#asked-requests tbody tr", has_text=reference)
        await expect(asked).to_contain_text("Individual Management Review (IMR)")
        await expect(asked).to_contain_text("Still owed")
        await check(page, "journey-12a-asked-of-you")
        await page.goto(console + "/information-requests")
        mine = page.locator("#requests tbody tr", has_text=reference)
        await expect(mine).to_contain_text("Metropolitan Police Service")
        await check(page, "journey-12b-police-requests")
        await mine.get_by_role("link", name=re.compile("Send the return")).click()
        assert page.url.endswith(return_path), page.url
        await fill_date(page, "received", today)
        await page.set_input_files(
            "#documents",
            files=[FilePayload(name="imr.txt", mimeType="text/plain", buffer=b"The police IMR.")],
        )
        await check(page, "journey-12-return-form")
        await page.click("button:has-text('Send the return')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Return sent")
        await check(page, "journey-13-return-sent")
        await page.click("button:has-text('Sign out')")
        await sign_in(
            page,
            console,
            case_url.removeprefix(console) + "?reason=rapid_review",
            "demo-business-team",
            password,
        )
        await expect(page.locator("main")).to_contain_text("returned (1)")
        await check(page, "journey-14-case-with-return")

        # An action on the case, owned by the police, done: the Business Team finds it
        # among every action (it has no open clock) by the case's reference.
        action = await _closed_action(stack, keycloak, case_url.rsplit("/", 1)[-1], today)
        await page.goto(console + "/actions")
        await page.select_option("#status", "done")
        await page.fill("#reference", reference)
        await page.click("button:has-text('Filter the actions')")
        row = page.locator("#actions tbody tr", has_text=action)
        await expect(row).to_contain_text("Done")
        await expect(row).to_contain_text("Metropolitan Police Service")
        await expect(row.get_by_role("link", name=reference)).to_have_attribute(
            "href", case_url.removeprefix(console)
        )
        assert await page.locator("#actions tbody tr").count() == 1
        await check(page, "journey-14a-closed-action-found")
        await row.get_by_role("link", name=action).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(action)
        summary = page.locator("main .govuk-summary-list")
        await expect(summary).to_contain_text("Done")
        await expect(summary.get_by_role("link", name=reference)).to_be_visible()
        await expect(page.locator("main")).to_contain_text("Detective Inspector")
        await check(page, "journey-14b-closed-action")
        await page.goto(console + "/information-requests?status=done&reference=" + reference)
        await expect(page.locator("#requests tbody tr", has_text=reference)).to_contain_text(
            "Returned"
        )
        await check(page, "journey-14c-requests-returned")

        # It finds the case among every case by its reference (any letter case), reported
        # since yesterday, with the reporting agency's name and a link to the case.
        await page.goto(console + "/cases")
        await page.fill("#reference", reference.lower())
        await fill_date(page, "reported_after", today - timedelta(days=1))
        await page.click("button:has-text('Find cases')")
        found = page.locator("#cases tbody tr")
        await expect(found).to_have_count(1)
        await expect(found).to_contain_text("Metropolitan Police Service")
        await expect(found.get_by_role("link", name=reference)).to_have_attribute(
            "href", case_url.removeprefix(console)
        )
        assert "Journey Child" not in await page.inner_text("main")
        await check(page, "journey-14d-case-found")

        # It produces the quarter's Review Summary; the Executive reads it in the browser.
        quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        await page.goto(console + "/reports")
        await page.check("#kind-2")  # the Review Summary
        await page.fill("#period", quarter)
        await check(page, "journey-15-reports")
        await page.click("button:has-text('Produce the report')")
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Review Summary")
        await page.click("button:has-text('Sign out')")
        await sign_in(
            page, console, f"/reports/executive_quarterly/{quarter}", "demo-executive", password
        )
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Review Summary")
        await check(page, "journey-16-executive-reads-the-review-summary")


async def _closed_action(stack: Stack, keycloak: Keycloak, case_id: str, today: date) -> str:
    """An action on the case for the police, recorded and then done through intake's API
    with the Business Team's own token: its reference."""
    token = str(keycloak.sign_in("demo-business-team")["access_token"])
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.urls["intake"], timeout=30) as intake:
        recorded = await intake.post(
            "/v1/actions",
            json={
                "source_id": case_id,
                "owner_agency": "met-police",
                "owner_role": "Detective Inspector",
                "due_date": (today + timedelta(days=14)).isoformat(),
                "description": "Share the custody records with the review.",
            },
            headers=headers,
        )
        assert recorded.status_code == 201, recorded.text
        done = await intake.post(
            f"/v1/actions/{recorded.json()['action_id']}/updates",
            json={"status": "done", "updated_date": today.isoformat()},
            headers=headers,
        )
        assert done.status_code == 201, done.text
    return str(recorded.json()["reference"])


# Issue 14: each demo user signs in through the browser and gets what the matrix gives
# them: one page they may see (its heading), one they may not (the 403 page, in words).
# Refusals come from the console (the audit is the Business Team's) or from the service
# asked with the person's own token (reporting's reports). The Business Team is refused
# nothing the console offers (only rule-pack administration, which has no page here).
PERIOD = f"{london_today().year}-{((london_today().month - 1) // 2) * 2 + 1:02d}"
QUARTER = f"{london_today().year}-Q{(london_today().month - 1) // 3 + 1}"
WHAT_EACH_GETS: dict[str, tuple[str, str, str | None]] = {
    # user: (a page they may see, its heading, a page they may not see)
    "demo-business-team": ("/audit", "Audit: who read or changed what", None),
    "demo-chair": ("/", "Worklist", "/audit"),
    "demo-member-police": ("/escalations", "Escalations", "/audit"),
    # /cases asks the scheduler for the clocks of what concerns met-police (?agency=).
    "demo-police": ("/cases", "Cases", f"/reports/sprg_bimonthly/{PERIOD}"),
    "demo-school": (
        "/refer-a-case-of-concern",
        "Refer a Case of Concern",
        f"/reports/executive_quarterly/{QUARTER}",
    ),
    "demo-executive": ("/", "Reports", "/audit"),  # lands on the reports it reads
    # A rules maintainer lands on the rule packs (never on agency forms it cannot send).
    "demo-rules-admin": ("/", "Rule packs", f"/reports/sprg_bimonthly/{PERIOD}"),
}
# What each one's navigation offers: only what the matrix lets the role do (each link opens).
TEAM_AND_SPRG = (
    "/",
    "/cases",
    "/cases-of-concern",
    "/escalations",
    "/meetings",
    "/actions",
    "/information-requests",
    "/reports",
)
AGENCY = (
    "/cases",
    "/information-requests",
    "/asked-of-you",
    "/report-an-incident",
    "/refer-a-case-of-concern",
    "/raise-an-escalation",
)
NAVIGATION_OF = {
    "demo-business-team": (*TEAM_AND_SPRG, "/report-an-incident", "/administration", "/audit"),
    "demo-chair": TEAM_AND_SPRG,
    "demo-member-police": TEAM_AND_SPRG,
    "demo-police": AGENCY,
    "demo-school": AGENCY,
    "demo-executive": ("/reports",),
    "demo-rules-admin": ("/rules",),
}


@pytest.fixture(scope="module")
def one_stack_and_console(
    servers: Servers, pii_key: str, keycloak: Keycloak
) -> Iterator[tuple[Stack, str]]:
    """One stack and one console for the seven users (each signs in afresh)."""
    run_id = "acc" + uuid.uuid4().hex[:8]
    with console_with_stack(servers, run_id, pii_key, keycloak, "access") as both:
        yield both


@pytest.mark.parametrize("user", sorted(WHAT_EACH_GETS))
async def test_each_demo_user_signs_in_and_gets_what_the_matrix_gives(
    one_stack_and_console: tuple[Stack, str], keycloak: Keycloak, user: str
) -> None:
    assert set(WHAT_EACH_GETS) == set(DEMO_USERS)
    stack, console = one_stack_and_console
    allowed, heading, refused = WHAT_EACH_GETS[user]
    password = keycloak.secrets["SPRG_DEMO_PASSWORD"]
    if user == "demo-business-team":
        # Issue 14's probe with the police's own token, refused and audited: the Business
        # Team then finds it on its audit page.
        police = str(keycloak.sign_in("demo-police", password)["access_token"])
        probe = httpx.get(
            stack.url("scheduler", "/v1/clocks"),
            params={"limit": 1000},
            headers={"Authorization": f"Bearer {police}"},
            timeout=30,
        )
        assert probe.status_code == 403, probe.text
        # The police officer has signed in to the console once: the audit names them.
        async with browser_page() as theirs:
            await sign_in(theirs, console, "/", "demo-police", password)
        allowed += "?agency=met-police&outcome=refused&person=demo+police+submitter"
    async with browser_page() as page:
        await sign_in(page, console, allowed, user, password)
        await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        await expect(page.locator("body")).to_contain_text("Signed in as")
        await check(page, f"access-{user}-allowed")
        if user == "demo-business-team":
            audit = page.locator("#audit")
            await expect(audit).to_contain_text("Refused")
            await expect(audit).to_contain_text("met-police")
            await expect(audit).to_contain_text("give agency=met-police")
            await expect(audit).to_contain_text("Demo Police Submitter")
            subject = jwt.decode(police, options={"verify_signature": False})["sub"]
            assert subject not in await audit.inner_text(), "named, not shown by sign-in id"
        nav = page.locator(".govuk-service-navigation a[href='/audit']")
        await expect(nav).to_have_count(1 if user == "demo-business-team" else 0)
        offered = await page.locator(".govuk-service-navigation__list a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert tuple(offered) == NAVIGATION_OF[user], (user, offered)
        for href in offered:
            opened = await page.goto(console + href)
            assert opened is not None and opened.status == 200, (user, href)
        if refused is None:
            return
        answer = await page.goto(console + refused)
        assert answer is not None and answer.status == 403, (user, refused)
        await expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this page")
        await expect(page.locator("main")).to_contain_text("ask the CSCP Business Team")
        await check(page, f"access-{user}-refused")

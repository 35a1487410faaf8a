"""The Business Team's case work in a real browser (Debian's Chromium), signed in at the real
Keycloak, against the five services: it triages a Case of Concern from the list (the
untriaged first) and runs a Rapid Review to its outcome and the copy to the Panel. Every page
visited is checked with axe-core and kept as a screenshot in tests/artifacts/."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any, cast

import httpx
import pytest
from playwright.async_api import expect

from sprg_shared.calendar import london_today
from tests.axe import check
from tests.browser import artifact, browser_page
from tests.e2e.console import (
    eventually_shown,
    fill_date,
    report_incident,
    sign_in,
)
from tests.e2e.stack import Stack
from tests.keycloak import Keycloak

pytestmark = pytest.mark.e2e


async def test_the_business_team_triages_a_case_of_concern_and_runs_a_rapid_review(
    stack_and_console: tuple[Stack, str], keycloak: Keycloak
) -> None:
    stack, console = stack_and_console
    password = keycloak.secrets["SPRG_DEMO_PASSWORD"]
    today = london_today()
    async with browser_page() as page:
        # The police report an incident and refer a Case of Concern.
        await sign_in(page, console, "/report-an-incident", "demo-police", password)
        reference = await report_incident(
            page,
            "Casework Child",
            today - timedelta(days=2),
            today - timedelta(days=1),
            date(2018, 3, 9),
        )
        case_path = await page.get_attribute("a:has-text('See the case')", "href")
        assert case_path and case_path.startswith("/cases/"), case_path
        await page.goto(console + "/refer-a-case-of-concern")
        await fill_date(page, "referred", today)
        await page.fill("#referrer_name", "A. Officer")
        await page.fill("#referrer_role", "Detective Sergeant")
        await page.fill("#child_1", "Concern Child")
        await page.check("#meets_sin-2")
        await page.check("#meets_spr-2")
        await page.check("#agencies")
        await page.fill("#concern", "Missed health appointments were not shared.")
        await page.click("button:has-text('Send the referral')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Case of Concern referred")
        coc_reference = (await page.inner_text(".govuk-panel strong")).strip()
        assert re.fullmatch(r"COC-\d{4}-\w+", coc_reference), coc_reference
        await page.click("button:has-text('Sign out')")

        # The Business Team finds it waiting on the Cases of Concern list and triages it.
        await sign_in(page, console, "/cases-of-concern", "demo-business-team", password)
        await expect(page.get_by_role("heading", level=1)).to_have_text("Cases of Concern")
        row = page.locator("tr", has_text=coc_reference)
        await expect(row).to_contain_text("Not triaged")
        await check(page, "casework-01-coc-list")
        await row.get_by_role("link", name=re.compile("Triage")).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Triage the Case of Concern"
        )
        await check(page, "casework-02-triage-form")
        # Each answer's follow-up is revealed under it only (GOV.UK conditional reveal).
        await expect(page.locator("#meeting")).to_be_hidden()
        await expect(page.locator("#advice")).to_be_hidden()
        await page.check("#triage-2")  # give advice
        await expect(page.locator("#advice")).to_be_visible()
        await page.fill("#advice", "Left filled in under another answer: not sent.")
        await page.check("#triage-3")  # list it for a meeting
        await expect(page.locator("#advice")).to_be_hidden()
        await expect(page.locator("#meeting")).to_be_visible()
        assert await page.locator("input[aria-expanded]").count() == 0
        await check(page, "casework-02b-triage-form-revealed")
        # Without JavaScript every follow-up is on the page, to answer as it applies.
        nojs = await page.context.browser.new_context(java_script_enabled=False)  # type: ignore[union-attr]
        await nojs.add_cookies(cast(Any, await page.context.cookies()))
        plain = await nojs.new_page()
        await plain.goto(page.url)
        for follow_up in ("#advice", "#meeting", "#approach"):
            await expect(plain.locator(follow_up)).to_be_visible()
        await plain.screenshot(
            path=str(artifact("casework-02c-triage-form-without-js.png")), full_page=True
        )
        await nojs.close()
        await page.click("button:has-text('Record the triage')")
        summary = page.locator(".govuk-error-summary")
        await expect(summary).to_contain_text("Enter the date of the triage")
        await expect(summary).to_contain_text("Select the meeting it is listed for")
        await check(page, "casework-03-triage-errors")
        await page.click(".govuk-error-summary a:has-text('Select the meeting it is listed for')")
        assert await page.evaluate("document.activeElement.id") == "meeting"
        await page.check("#meeting")  # the SPRG
        await fill_date(page, "triaged", today)
        await page.click("button:has-text('Record the triage')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Triage recorded")
        await expect(page.locator("main")).to_contain_text("What happens next")
        await check(page, "casework-04-triage-recorded")
        await page.goto(console + "/cases-of-concern")
        await expect(page.locator("tr", has_text=coc_reference)).to_contain_text(
            "Listed for the SPRG"
        )
        await check(page, "casework-05-coc-list-after-triage")

        # It opens the case and records the Rapid Review's outcome.
        case_url = console + case_path
        await eventually_shown(page, case_url, "Rapid Review")
        await expect(page.get_by_role("heading", level=1)).to_have_text(reference)
        await check(page, "casework-06-case")
        await page.click("text=Record the Rapid Review's outcome")
        await check(page, "casework-07-outcome-form")
        await page.click("button:has-text('Record the outcome')")
        await expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter the date the Rapid Review was held"
        )
        await check(page, "casework-08-outcome-errors")
        await fill_date(page, "held", today)
        await page.check("#purpose_gather_facts")
        await page.check("#purpose_immediate_safety_action")
        await page.check("#purpose_potential_national_learning-2")
        await page.check("#purpose_lcspr_decision")
        await page.fill("#purpose_gather_facts_notes", "Chronologies from police and health.")
        await page.check("#recommendation")  # an LCSPR
        await page.check("#partners_view")  # a local review
        await page.click("button:has-text('Record the outcome')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Rapid Review outcome recorded")
        await expect(page.locator(".govuk-panel")).to_contain_text(reference)
        await expect(page.locator("main")).to_contain_text("within 1 working day")
        await check(page, "casework-09-outcome-recorded")

        # The copy to the Panel is now a duty on the case; it records it sent.
        await eventually_shown(page, case_url, "Send the copy of the Rapid Review to the Panel")
        await check(page, "casework-10-case-with-copy-due")
        await page.click("text=Record the copy sent to the Panel")
        await fill_date(page, "sent", today)
        await check(page, "casework-11-copy-form")
        await page.click("button:has-text('Record the copy to the Panel')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Copy to the Panel recorded")
        await check(page, "casework-12-copy-recorded")
        # The copy's duty is met: the case shows it done.
        copy_row = page.locator(
            ".govuk-summary-card", has_text="Copy of the Rapid Review to the Panel"
        ).locator(".govuk-tag")
        deadline = time.monotonic() + 60
        while True:
            await page.goto(case_url)
            texts = await copy_row.all_inner_texts()
            if texts == ["Done"]:
                break
            assert time.monotonic() < deadline, f"the copy's duty was not met: {texts}"
            await page.wait_for_timeout(1000)
        await check(page, "casework-13-case-after-copy")

        # The partners' view was a local review: the LCSPR's factors, decision, a milestone,
        # the publication planned; then a fact of the report corrected, with the reason.
        await page.click("text=Record the factors")
        await page.check("#serious")
        for code in (
            "improvements_needed",
            "recurrent_themes",
            "agencies_working_together",
            "panel_local_review",
            "improvements_previously_identified",
            "single_agency",
            "no_agency_involvement",
            "several_areas",
        ):
            await page.check(
                f"#factor_{code}" if code == "improvements_needed" else f"#factor_{code}-2"
            )
        await page.fill("#factor_improvements_needed_why", "Health and police did not share.")
        await check(page, "casework-14-lcspr-factors-form")
        await page.click("button:has-text('Record the factors')")
        await expect(page.locator(".govuk-panel")).to_contain_text("LCSPR factors recorded")
        await check(page, "casework-15-lcspr-factors-recorded")
        await eventually_shown(page, case_url, "commissioning a review is recommended")
        await page.click("text=Record the decision and methodology")
        await expect(page.locator("#methodology")).to_be_hidden()
        await page.check("#decision")  # commission
        await expect(page.locator("#methodology")).to_be_visible()
        await fill_date(page, "decided", today)
        await page.check("#methodology-2")  # Learning Together
        await check(page, "casework-16-lcspr-decision-form")
        await page.click("button:has-text('Record the decision')")
        await expect(page.locator(".govuk-panel")).to_contain_text("LCSPR decision recorded")
        await check(page, "casework-17-lcspr-decided")
        await eventually_shown(page, case_url, "Complete the LCSPR")
        await page.click("text=Record a milestone")
        await page.check("#milestone")  # the reviewer appointed
        await fill_date(page, "when", today)
        await page.click("button:has-text('Record the milestone')")
        await expect(page.locator(".govuk-panel")).to_contain_text("LCSPR milestone recorded")
        await page.goto(case_url)
        await page.click("text=Record the publication")
        await page.check("#what-3")  # not publishing: its reason is revealed
        await expect(page.locator("#reason")).to_be_visible()
        await expect(page.locator("#planned-day")).to_be_hidden()
        await page.check("#what")  # planned
        await expect(page.locator("#reason")).to_be_hidden()
        await fill_date(page, "planned", today + timedelta(days=90))
        await page.check("#agencies")
        await check(page, "casework-18-lcspr-publication-form")
        await page.click("button:has-text('Record the publication')")
        await expect(page.locator(".govuk-panel")).to_contain_text("LCSPR publication recorded")
        await check(page, "casework-19-lcspr-publication-recorded")
        await page.goto(case_url)
        await page.click("text=Correct a fact, with the reason")
        await page.check("#abuse")  # known, not only suspected
        await page.fill("#reason", "The police confirmed abuse at the strategy meeting.")
        await check(page, "casework-20-correction-form")
        await page.click("button:has-text('Record the correction')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Correction recorded")
        await check(page, "casework-21-correction-recorded")
        # The rules decide again on the corrected fact: the reason now says "known".
        known = page.locator(".govuk-summary-card", has_text="Panel notification required").locator(
            "li", has_text=re.compile(r"^\s*abuse or neglect known\s*$")
        )
        deadline = time.monotonic() + 60
        while True:
            await page.goto(case_url)
            if await known.count():
                break
            assert time.monotonic() < deadline, "the rules did not decide on the corrected fact"
            await page.wait_for_timeout(1000)
        await check(page, "casework-22-case-after-correction")

        # Children's social care's system raised an escalation with the police (Stage 2);
        # the Business Team records it reaching Stage 3 from the escalation's page.
        cms = keycloak.client_credentials()
        raised = httpx.post(
            stack.url("intake", "/v1/escalations"),
            headers={"Authorization": f"Bearer {cms}", "Idempotency-Key": "casework-esc"},
            json={
                "with_agency": "met-police",
                "stage": 2,
                "stage_started_date": (today - timedelta(days=1)).isoformat(),
                "summary": "Disagreement about the threshold for a strategy meeting.",
            },
            timeout=30,
        )
        assert raised.status_code == 201, raised.text
        escalation = raised.json()
        await page.goto(console + f"/escalations/{escalation['escalation_id']}")
        await page.click("text=Record a new stage or the resolution")
        await page.check("#stage-3")  # Stage 3
        await page.click("button:has-text('Record the update')")
        await expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter the date the stage started"
        )
        await check(page, "casework-23-escalation-errors")
        await fill_date(page, "started", today)
        await page.click("button:has-text('Record the update')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Escalation updated")
        await expect(page.locator("main")).to_contain_text("the CSCP tracks it")
        await check(page, "casework-24-escalation-updated")
        await eventually_shown(
            page,
            console + f"/escalations/{escalation['escalation_id']}",
            "Stage 3 or above: tracked by the CSCP",
        )
        await check(page, "casework-25-escalation-page")

        # Another case turns out not to meet the criteria: the Business Team closes its
        # Rapid Review with the reason, and the rules' current decision says so.
        reported = httpx.post(
            stack.url("intake", "/v1/incidents"),
            headers={"Authorization": f"Bearer {cms}", "Idempotency-Key": "casework-closure"},
            json={
                "aware_date": today.isoformat(),
                "event": {
                    "kind": "serious_harm",
                    "date": (today - timedelta(days=1)).isoformat(),
                    "location": "in_area",
                    "abuse_or_neglect": "suspected",
                },
                "children": [
                    {
                        "name": "Closure Child",
                        "date_of_birth": "2017-01-12",
                        "looked_after": False,
                        "care_leaver": False,
                        "normally_resident_in_area": True,
                    }
                ],
            },
            timeout=30,
        )
        assert reported.status_code == 201, reported.text
        other_url = console + f"/cases/{reported.json()['case_id']}"
        await eventually_shown(page, other_url, "Rapid Review")
        await page.click("text=Close it: criteria not met")
        await fill_date(page, "closed", today)
        await page.click("button:has-text('Close the Rapid Review')")
        await expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter why the criteria for a serious incident notification were not met"
        )
        await page.fill("#rationale", "The harm was accidental: no abuse or neglect.")
        await check(page, "casework-26-closure-form")
        await page.click("button:has-text('Close the Rapid Review')")
        await expect(page.locator(".govuk-panel")).to_contain_text("Rapid Review closed")
        await check(page, "casework-27-rapid-review-closed")
        await eventually_shown(page, other_url, "Criteria not met")
        await check(page, "casework-28-case-after-closure")

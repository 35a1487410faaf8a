"""A person at an agency fills the Case of Concern form in a real browser."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from sprg_intake.bootstrap import build
from sprg_intake.settings import IntakeSettings
from sprg_shared.auth import Role
from tests.browser import artifact, browser_page
from tests.conftest import bearer
from tests.http_server import serving
from tests.integration.intake_support import PLANTED, events_about, settings
from tests.servers import Servers

pytestmark = pytest.mark.integration
__all__ = ["settings"]  # fixtures used by name

TOKEN = bearer("croydon-csc", Role.AGENCY_SUBMITTER)["Authorization"].removeprefix("Bearer ")


async def test_a_case_of_concern_sent_from_the_web_form_is_stored_and_published(
    settings: IntakeSettings, servers: Servers, mongo: AsyncMongoClient[Any]
) -> None:
    async with serving(build(settings)) as url, browser_page() as page:
        await page.goto(f"{url}/forms/case-of-concern")
        await page.fill("#token", TOKEN)
        await page.fill("#referred_date", "2026-05-04")
        await page.fill("#referrer_name", "Anna Referrer")
        await page.fill("#referrer_role", "Designated Safeguarding Lead")
        await page.fill("#child_name", PLANTED)
        await page.fill("#agencies_involved", "croydon-csc, met-police")
        # The concern left empty: the browser's own check is bypassed to see intake's.
        await page.eval_on_selector("form", "f => f.noValidate = true")
        await page.click("button[type=submit]")
        assert "concern" in await page.inner_text("#errors")
        await page.screenshot(path=str(artifact("intake-coc-form-error.png")), full_page=True)
        assert await page.input_value("#child_name") == PLANTED, "what was typed is kept"

        await page.fill("#token", TOKEN)
        await page.fill("#concern", "Missed appointments were not shared between agencies.")
        await page.check("#meets_spr_criteria")
        await page.click("button[type=submit]")
        reference = await page.inner_text("#reference")
        coc_id = await page.inner_text("#record-id")
        await page.screenshot(path=str(artifact("intake-coc-form-received.png")), full_page=True)

    assert reference.startswith("COC-")
    stored = await mongo[settings.database]["records"].find_one({"_id": coc_id})
    assert stored is not None and stored["facts"]["meets_spr_criteria"] is True
    assert PLANTED not in json.dumps(stored, default=str)
    (event,) = await events_about(servers, coc_id, 1)
    assert event.type == "sprg.coc.referred.v1" and event.data["reference"] == reference
    assert event.data["agencies_involved"] == ["croydon-csc", "met-police"]


async def test_the_form_refuses_a_token_that_is_not_valid(settings: IntakeSettings) -> None:
    async with serving(build(settings)) as url, browser_page() as page:
        await page.goto(f"{url}/forms/incident")
        await page.fill("#token", "not-a-token")
        await page.eval_on_selector("form", "f => f.noValidate = true")
        response_waiter = page.expect_response(f"{url}/forms/incident")
        async with response_waiter as info:
            await page.click("button[type=submit]")
        assert (await info.value).status == 401
        assert "token is not valid" in await page.inner_text("#errors")


async def test_an_incident_reported_from_the_web_form_is_stored_and_published(
    settings: IntakeSettings, servers: Servers, mongo: AsyncMongoClient[Any]
) -> None:
    async with serving(build(settings)) as url, browser_page() as page:
        await page.goto(f"{url}/forms/incident")
        await page.fill("#token", TOKEN)
        await page.fill("#aware_date", "2026-04-02")
        await page.select_option("#kind", "serious_harm")
        await page.fill("#event_date", "2026-04-01")
        await page.select_option("#abuse_or_neglect", "known")
        await page.fill("#child_name", PLANTED)
        await page.fill("#child_date_of_birth", "2012-07-09")
        await page.check("#normally_resident_in_area")
        await page.click("button[type=submit]")
        reference = await page.inner_text("#reference")
        case_id = await page.inner_text("#record-id")
        await page.screenshot(path=str(artifact("intake-incident-form.png")), full_page=True)

    assert reference.startswith("SIN-")
    stored = await mongo[settings.database]["cases"].find_one({"_id": case_id})
    assert stored is not None and stored["facts"]["children"][0]["age_years"] == 13
    (event,) = await events_about(servers, case_id, 1)
    assert event.type == "sprg.incident.reported.v1"
    assert event.data["incident"]["kind"] == "serious_harm"
    assert PLANTED not in event.model_dump_json()

"""The case-work forms (Rapid Review, LCSPR, Case of Concern triage, escalation stages,
corrections) through ``bootstrap.build`` with in-memory services, as a browser sends them:
what reaches intake, what a person is told when something is wrong, and what happens next."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, get_args

import httpx

from sprg_console.adapters.apis import ApiError
from sprg_console.domain import review_words
from sprg_intake.domain import commands
from sprg_intake.entrypoints import lists
from sprg_shared import vocabulary
from sprg_shared.contracts import intake as events
from tests.unit.console_fakes import World, clock
from tests.unit.test_console import CASE, _csrf, _key, _text, world_with_cases

COC = "coc-0001"
ESC = "esc-0001"


async def _fill(
    browser: httpx.AsyncClient, path: str, fields: dict[str, Any]
) -> tuple[httpx.Response, str]:
    """Open the form at ``path``, send ``fields`` with its CSRF token and key."""
    form = await browser.get(path)
    assert form.status_code == 200, form.text
    key = _key(form.text)
    sent = await browser.post(
        path, data={"csrf_token": _csrf(form.text), "idempotency_key": key, **fields}
    )
    return sent, key


def _date(name: str, day: int, month: int, year: int = 2026) -> dict[str, str]:
    return {f"{name}-day": str(day), f"{name}-month": str(month), f"{name}-year": str(year)}


def _outcome(**over: str) -> dict[str, str]:
    fields = {
        **_date("held", 2, 12),
        "purpose_gather_facts": "yes",
        "purpose_gather_facts_notes": "Chronologies from three agencies",
        "purpose_immediate_safety_action": "yes",
        "purpose_potential_national_learning": "no",
        "purpose_lcspr_decision": "yes",
        "recommendation": "lcspr",
        "partners_view": "local_review",
    }
    return fields | over


def test_every_code_intake_accepts_has_words_and_no_words_name_a_code_it_refuses() -> None:
    pairs = [
        (review_words.PURPOSES, get_args(events.RapidReviewPurpose)),
        (review_words.PARTNERS_VIEWS, get_args(events.PartnersView)),
        (
            review_words.RECOMMENDATIONS,
            get_args(commands.RecordRapidReview.model_fields["recommendation"].annotation),
        ),
        (review_words.FACTORS, vocabulary.FACTORS),
        (review_words.METHODOLOGIES, get_args(vocabulary.LcsprMethodology)),
        (
            review_words.LCSPR_DECISIONS,
            get_args(commands.DecideLcspr.model_fields["decision"].annotation),
        ),
        (review_words.MILESTONES, get_args(commands.Milestone)),
        (review_words.TRIAGES, get_args(events.CocTriage)),
        (review_words.COC_MEETINGS, get_args(events.CocMeeting)),
        (review_words.COC_APPROACHES, get_args(events.CocApproach)),
        (review_words.ESCALATION_STAGES, tuple(str(s) for s in vocabulary.ESCALATION_STAGES)),
        (review_words.INCIDENT_KINDS, get_args(events.IncidentKind)),
    ]
    for words, codes in pairs:
        assert set(words) == set(codes), (sorted(words), sorted(codes))
    assert review_words.CONTRADICTIONS == commands._CONTRADICTIONS


async def test_the_rapid_review_outcome_is_recorded_with_its_four_purposes() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        case = _text((await browser.get(f"/cases/{CASE}")).text)
        done, key = await _fill(browser, f"/cases/{CASE}/rapid-review/outcome", _outcome())
    assert "Record the Rapid Review's outcome" in case
    assert done.status_code == 200, done.text
    text = _text(done.text)
    assert "Rapid Review outcome recorded" in text and "SIN-2026-AAAA1111" in text
    assert "reference<br><strong>SIN-2026-AAAA1111</strong>" in done.text  # markup, not text
    assert "What happens next" in text and "within 1 working day" in text
    assert "record the LCSPR factors" in text
    [sent] = w.intake.posts
    assert sent["path"] == f"/v1/cases/{CASE}/rapid-review/outcome"
    assert sent["key"] == key
    assert sent["body"] == {
        "held_date": "2026-12-02",
        "purposes": [
            {
                "purpose": "gather_facts",
                "addressed": True,
                "notes": "Chronologies from three agencies",
            },
            {"purpose": "immediate_safety_action", "addressed": True},
            {"purpose": "potential_national_learning", "addressed": False},
            {"purpose": "lcspr_decision", "addressed": True},
        ],
        "recommendation": "lcspr",
        "partners_view": "local_review",
    }


async def test_an_incomplete_outcome_names_each_missing_answer_and_sends_nothing() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        empty, _ = await _fill(browser, f"/cases/{CASE}/rapid-review/outcome", {})
        contradicts, _ = await _fill(
            browser,
            f"/cases/{CASE}/rapid-review/outcome",
            _outcome(recommendation="lcspr", partners_view="no_review"),
        )
        typed_code, _ = await _fill(
            browser,
            f"/cases/{CASE}/rapid-review/outcome",
            _outcome(recommendation="LCSPR please"),
        )
    assert empty.status_code == 400
    page = empty.text
    assert "There is a problem" in page
    for anchor in (
        "#held-day",
        "#purpose_gather_facts",
        "#purpose_immediate_safety_action",
        "#purpose_potential_national_learning",
        "#purpose_lcspr_decision",
        "#recommendation",
        "#partners_view",
    ):
        assert f'href="{anchor}"' in page, anchor
    text = _text(page)
    assert "Enter the date the Rapid Review was held" in text
    assert "Select what the Rapid Review recommends" in text
    assert "Select yes if the Rapid Review gathered the facts" in text
    assert "Select yes if the Rapid Review decided what happens next" in text
    assert "must agree with the recommendation" in _text(contradicts.text)
    assert 'value="local_review"' in contradicts.text  # the choices are offered, not typed
    assert "Select what the Rapid Review recommends" in _text(typed_code.text)
    assert w.intake.posts == []


async def test_the_copy_to_the_panel_before_the_outcome_is_refused_in_plain_words() -> None:
    w = world_with_cases()
    w.intake.refuse_with = ApiError(
        422,
        "sent_date: the Rapid Review's outcome is not recorded yet",
        {"sent_date": "the Rapid Review's outcome is not recorded yet: record it first"},
    )
    async with w.signed_in("bt") as browser:
        refused, _ = await _fill(
            browser, f"/cases/{CASE}/rapid-review/sent-to-panel", _date("sent", 3, 12)
        )
        w.intake.refuse_with = None
        done, _ = await _fill(
            browser, f"/cases/{CASE}/rapid-review/sent-to-panel", _date("sent", 3, 12)
        )
    assert refused.status_code == 400
    assert "Record the Rapid Review's outcome before the copy to the Panel" in _text(refused.text)
    assert 'href="#sent-day"' in refused.text
    assert done.status_code == 200
    assert "Copy to the Panel recorded" in _text(done.text)
    assert w.intake.posts[-1]["body"] == {"sent_date": "2026-12-03"}


async def test_closing_a_rapid_review_needs_the_reason_and_says_what_closes() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        no_reason, _ = await _fill(
            browser, f"/cases/{CASE}/rapid-review/closure", _date("closed", 3, 12)
        )
        done, _ = await _fill(
            browser,
            f"/cases/{CASE}/rapid-review/closure",
            {**_date("closed", 3, 12), "rationale": "The child was not known to agencies."},
        )
    assert "Enter why the criteria for a serious incident notification were not met" in _text(
        no_reason.text
    )
    [sent] = w.intake.posts
    assert sent["body"] == {
        "closed_date": "2026-12-03",
        "reason": "criteria_not_met",
        "rationale": "The child was not known to agencies.",
    }
    assert "criteria not met" in _text(done.text)


async def test_every_lcspr_factor_is_answered_absent_ones_too() -> None:
    w = world_with_cases()
    answers = {f"factor_{code}": "no" for code in review_words.FACTORS}
    answers["factor_recurrent_themes"] = "yes"
    answers["factor_recurrent_themes_why"] = "Third case this year with missed health visits"
    async with w.signed_in("bt") as browser:
        missing, _ = await _fill(
            browser,
            f"/cases/{CASE}/lcspr/factors",
            {k: v for k, v in answers.items() if k != "factor_several_areas"} | {"serious": "yes"},
        )
        done, _ = await _fill(browser, f"/cases/{CASE}/lcspr/factors", answers | {"serious": "yes"})
    assert 'href="#factor_several_areas"' in missing.text
    assert "Select yes if more than one local authority, police area" in _text(missing.text)
    assert done.status_code == 200
    [sent] = w.intake.posts
    body = sent["body"]
    assert body["serious_child_safeguarding_case"] is True
    assert set(body["factors"]) == set(vocabulary.FACTORS)
    assert body["factors"]["recurrent_themes"] == {
        "present": True,
        "explanation": "Third case this year with missed health visits",
    }
    assert body["factors"]["single_agency"] == {"present": False}


async def test_an_lcspr_decision_needs_its_methodology_or_its_reasons() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        no_method, _ = await _fill(
            browser,
            f"/cases/{CASE}/lcspr/decision",
            {"decision": "commission", **_date("decided", 3, 12)},
        )
        no_reasons, _ = await _fill(
            browser,
            f"/cases/{CASE}/lcspr/decision",
            {"decision": "do_not_commission", **_date("decided", 3, 12)},
        )
        told_before, _ = await _fill(
            browser,
            f"/cases/{CASE}/lcspr/decision",
            {
                "decision": "commission",
                "methodology": "systems_review",
                **_date("decided", 3, 12),
                **_date("informed", 1, 12),
            },
        )
        done, _ = await _fill(
            browser,
            f"/cases/{CASE}/lcspr/decision",
            {
                "decision": "commission",
                "methodology": "learning_together",
                **_date("decided", 3, 12),
            },
        )
    assert "Select how the review will be carried out" in _text(no_method.text)
    assert "Enter why the partners do not commission an LCSPR" in _text(no_reasons.text)
    assert "on or after the date of the decision" in _text(told_before.text)
    assert done.status_code == 200 and "milestones" in _text(done.text)
    [sent] = w.intake.posts
    assert sent["body"] == {
        "decision": "commission",
        "decided_date": "2026-12-03",
        "methodology": "learning_together",
    }


async def test_an_lcspr_milestone_is_chosen_from_the_list() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        done, _ = await _fill(
            browser,
            f"/cases/{CASE}/lcspr/milestones",
            {"milestone": "reviewer_appointed", **_date("when", 1, 12)},
        )
    assert "the reviewer was appointed" in _text(done.text)
    assert w.intake.posts[0]["body"] == {
        "milestone": "reviewer_appointed",
        "milestone_date": "2026-12-01",
    }


async def test_the_publication_names_agencies_and_press_offices_from_the_list() -> None:
    w = world_with_cases()
    path = f"/cases/{CASE}/lcspr/publication"
    async with w.signed_in("bt") as browser:
        form = (await browser.get(path)).text
        stranger, _ = await _fill(
            browser, path, {"what": "planned", **_date("planned", 1, 3, 2027), "agencies": "mi5"}
        )
        past, _ = await _fill(
            browser,
            path,
            {"what": "planned", **_date("planned", 1, 11), "agencies": "croydon-csc"},
        )
        done, _ = await _fill(
            browser,
            path,
            {
                "what": "planned",
                **_date("planned", 1, 3, 2027),
                "agencies": ["croydon-csc", "met-police"],
                "press_offices": ["met-police"],
            },
        )
    assert "Metropolitan Police Service" in form and 'name="press_offices"' in form
    assert "Select the agencies involved from the list" in _text(stranger.text)
    assert "The planned date must be today or in the future" in _text(past.text)
    assert done.status_code == 200 and "press office" in _text(done.text)
    [sent] = w.intake.posts
    assert sent["body"] == {
        "planned_publication_date": "2027-03-01",
        "agencies": ["croydon-csc", "met-police"],
        "press_offices_told": ["met-police"],
    }


async def test_the_business_team_triages_a_case_of_concern_from_its_page() -> None:
    w = World()
    w.intake.lists["/v1/cases-of-concern"] = [{"coc_id": COC, "reference": "COC-2026-TRI1"}]
    path = f"/cases-of-concern/{COC}/triage"
    async with w.signed_in("bt") as browser:
        page = (await browser.get(f"/cases-of-concern/{COC}")).text
        no_meeting, _ = await _fill(
            browser, path, {"triage": "list_for_meeting", **_date("triaged", 3, 12)}
        )
        no_advice, _ = await _fill(browser, path, {"triage": "advice", **_date("triaged", 3, 12)})
        done, _ = await _fill(
            browser,
            path,
            {"triage": "list_for_meeting", "meeting": "sprg", **_date("triaged", 3, 12)},
        )
    assert f'href="{path}"' in page
    assert "Select the meeting it is listed for" in _text(no_meeting.text)
    assert "Enter the advice given" in _text(no_advice.text)
    assert "Triage recorded" in _text(done.text) and "agenda" in _text(done.text)
    assert "COC-2026-TRI1" in _text(done.text)
    assert "Go back to the Case of Concern" in _text(done.text)
    [sent] = w.intake.posts
    assert sent["path"] == f"/v1/cases-of-concern/{COC}/triage"
    assert sent["body"] == {
        "triage": "list_for_meeting",
        "triaged_date": "2026-12-03",
        "meeting": "sprg",
    }


async def test_an_escalation_moves_to_a_stage_with_the_date_it_started() -> None:
    w = World()
    path = f"/escalations/{ESC}/updates"
    async with w.signed_in("bt") as browser:
        page = (await browser.get(f"/escalations/{ESC}")).text
        nothing, _ = await _fill(browser, path, {})
        no_date, _ = await _fill(browser, path, {"stage": "3"})
        done, _ = await _fill(browser, path, {"stage": "3", **_date("started", 2, 12)})
    assert f'href="{path}"' in page
    assert "Select a new stage, or enter the date it was resolved" in _text(nothing.text)
    assert "Enter the date the stage started" in _text(no_date.text)
    text = _text(done.text)
    assert "Stage 3: senior managers" in text and "the CSCP tracks it" in text
    [sent] = w.intake.posts
    assert sent["body"] == {"stage": 3, "stage_started_date": "2026-12-02"}


async def test_a_correction_names_the_fact_and_the_reason() -> None:
    w = world_with_cases()
    path = f"/cases/{CASE}/corrections"
    async with w.signed_in("bt") as browser:
        nothing, _ = await _fill(browser, path, {"reason": "typo"})
        no_reason, _ = await _fill(browser, path, _date("aware", 29, 11))
        done, _ = await _fill(
            browser,
            path,
            {**_date("aware", 29, 11), "kind": "serious_harm", "reason": "The report said death"},
        )
    assert "Enter the fact you are correcting" in _text(nothing.text)
    assert "Enter why the fact is corrected" in _text(no_reason.text)
    assert "Correction recorded" in _text(done.text)
    [sent] = w.intake.posts
    assert sent["path"] == f"/v1/cases/{CASE}/corrections"
    assert sent["body"] == {
        "reason": "The report said death",
        "aware_date": "2026-11-29",
        "event": {"kind": "serious_harm"},
    }


async def test_an_agency_practitioner_corrects_but_does_not_run_the_rapid_review() -> None:
    w = world_with_cases()
    async with w.signed_in("police") as browser:
        case = (await browser.get(f"/cases/{CASE}")).text
        form = await browser.get(f"/cases/{CASE}/rapid-review/outcome")
        posted = await browser.post(
            f"/cases/{CASE}/rapid-review/outcome",
            data={"csrf_token": _csrf(case), **_outcome()},
        )
    assert "/rapid-review/outcome" not in case
    assert f"/cases/{CASE}/corrections" in case
    assert form.status_code == 403 and posted.status_code == 403
    assert w.intake.posts == []


async def test_a_form_without_the_sessions_csrf_token_records_nothing() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        page = await browser.post(
            f"/cases/{CASE}/rapid-review/outcome", data={"csrf_token": "forged", **_outcome()}
        )
    assert page.status_code == 400
    assert w.intake.posts == []


def _referred(coc_id: str, referred: str, reference: str) -> dict[str, Any]:
    return {
        "_id": coc_id,
        "kind": "case_of_concern",
        "facts": {
            "coc_id": coc_id,
            "reference": reference,
            "referring_agency": "met-police",
            "agencies_involved": ["croydon-csc"],
            "referred_date": referred,
            "meets_sin_criteria": False,
            "meets_spr_criteria": False,
        },
        "personal": "sealed",
    }


def test_intake_lists_cases_of_concern_untriaged_first_longest_waiting_at_the_top() -> None:
    referred = [
        _referred("a", "2026-11-20", "COC-2026-A"),
        _referred("b", "2026-11-10", "COC-2026-B"),
        _referred("c", "2026-11-25", "COC-2026-C"),
        _referred("d", "2026-11-01", "COC-2026-D"),
    ]
    triages = [
        {"subject_id": "a", "facts": {"triage": "advice", "triaged_date": "2026-11-21"}},
        {"subject_id": "d", "facts": {"triage": "list_for_meeting", "meeting": "sprg"}},
        {"subject_id": "d", "facts": {"triage": "pending", "triaged_date": "2026-11-02"}},
    ]
    rows = lists.cases_of_concern(referred, triages)
    assert [r["reference"] for r in rows] == [
        "COC-2026-D",
        "COC-2026-B",
        "COC-2026-C",
        "COC-2026-A",
    ]
    assert rows[0]["triage"] == "pending"  # the last triage stands
    assert rows[-1]["triage"] == "advice"
    assert all("personal" not in r and "concern" not in r for r in rows)


async def test_the_case_of_concern_list_puts_the_untriaged_first_with_a_triage_link() -> None:
    w = World()
    w.intake.lists["/v1/cases-of-concern"] = [
        {
            "coc_id": "coc-new",
            "reference": "COC-2026-NEW",
            "referring_agency": "met-police",
            "referred_date": "2026-12-01",
            "triage": None,
        },
        {
            "coc_id": "coc-old",
            "reference": "COC-2026-OLD",
            "referring_agency": "croydon-csc",
            "referred_date": "2026-11-01",
            "triage": "list_for_meeting",
            "meeting": "sprg",
        },
    ]
    async with w.signed_in("bt") as browser:
        page = await browser.get("/cases-of-concern")
    text = _text(page.text)
    assert page.status_code == 200
    assert "1 waiting to be triaged" in text
    assert text.index("COC-2026-NEW") < text.index("COC-2026-OLD")
    assert "Not triaged" in text and "Listed for the SPRG" in text
    assert "Metropolitan Police Service" in text
    assert 'href="/cases-of-concern/coc-new/triage"' in page.text
    assert 'href="/cases-of-concern/coc-old/triage"' not in page.text
    assert w.intake.listed == ["/v1/cases-of-concern"]
    current = re.findall(
        r'<strong class="govuk-service-navigation__active-fallback">([^<]+)<', page.text
    )
    assert current == ["Cases of Concern"]  # not "Cases" as well


async def test_the_copy_to_the_panel_reads_as_a_duty_counted_from_the_rapid_review() -> None:
    w = world_with_cases()
    w.scheduler.clocks_.append(
        clock(
            CASE,
            "rapid_review_panel_copy",
            date(2026, 12, 3),
            days_left=0,
            anchor="rapid_review_held_date",
            anchor_date=date(2026, 12, 2),
            key="rapid-review-copy-to-panel",
        )
    )
    async with w.signed_in("bt") as browser:
        case = _text((await browser.get(f"/cases/{CASE}")).text)
        cases = _text((await browser.get("/cases")).text)
    assert (
        "Send the copy of the Rapid Review to the Panel by 3 December 2026 "
        "(1 working day after the Rapid Review was held)"
    ) in case
    assert "Send the copy of the Rapid Review to the Panel by 3 December 2026" in cases


async def test_the_notification_form_is_offered_only_while_the_notification_is_owed() -> None:
    offered = {}
    for state in ("open", "met", "closed"):
        w = world_with_cases()
        w.scheduler.clocks_ = [
            clock(CASE, "sin_notification", date(2026, 12, 7), days_left=2, state=state)
        ]
        async with w.signed_in("bt") as browser:
            page = (await browser.get(f"/cases/{CASE}")).text
        offered[state] = f"/cases/{CASE}/sin-submission" in page
    assert offered == {"open": True, "met": False, "closed": False}


async def test_a_reference_is_shown_as_text_on_the_confirmation() -> None:
    w = world_with_cases()
    w.reporting.cases[CASE]["reference"] = "SIN-<b>X</b>"
    async with w.signed_in("bt") as browser:
        done, _ = await _fill(
            browser,
            f"/cases/{CASE}/lcspr/milestones",
            {"milestone": "started", **_date("when", 1, 12)},
        )
    assert "<strong>SIN-&lt;b&gt;X&lt;/b&gt;</strong>" in done.text

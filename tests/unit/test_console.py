"""The console through ``bootstrap.build`` with in-memory services and realm, over HTTP as a
browser uses it: sign-in, the worklist, a case, the forms."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from sprg_console.adapters.apis import ApiError
from sprg_console.handlers import worklist as worklist_handlers
from sprg_console.handlers.listings import CASES
from sprg_intake.handlers import listings as intake_listings
from tests.unit.console_fakes import World, clock

CASE = "c-0001"
OTHER = "c-0002"


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def _key(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found
    return found.group(1)


def listed_case(case_id: str, reference: str, agency: str, day: int = 30) -> dict[str, Any]:
    """A case as intake's list gives it (made by intake's own pure function)."""
    stored = {
        "_id": case_id,
        "reference": reference,
        "agency": agency,
        "created_at": datetime(2026, 11, day, 10, tzinfo=UTC),
        "facts": {
            "aware_date": f"2026-11-{day:02d}",
            "incident": {"kind": "death", "date": f"2026-11-{day - 1:02d}"},
        },
    }
    return intake_listings.case_row(stored, None)


def world_with_cases() -> World:
    w = World()
    w.intake.pages[CASES] = [
        listed_case(OTHER, "SIN-2026-BBBB2222", "met-police", 24),
        listed_case(CASE, "SIN-2026-AAAA1111", "croydon-csc"),
    ]
    w.reporting.cases = {
        CASE: {
            "reference": "SIN-2026-AAAA1111",
            "reporting_agency": "croydon-csc",
            "aware_date": "2026-11-30",
            "incident_kind": "death",
            "panel_notification_required": True,
        },
        OTHER: {"reference": "SIN-2026-BBBB2222", "reporting_agency": "met-police"},
    }
    w.scheduler.clocks_ = [
        clock(
            CASE,
            "sin_notification",
            date(2026, 12, 7),
            days_left=2,
            at_risk=True,
            anchor_date=date(2026, 11, 30),
            history=[
                {
                    "change": "started",
                    "due": "2026-12-07",
                    "anchor": "aware_date",
                    "anchor_date": "2026-11-30",
                    "reason": "the case was reported",
                }
            ],
        ),
        clock(
            CASE, "rapid_review", date(2026, 12, 21), days_left=12, anchor_date=date(2026, 11, 30)
        ),
        clock(
            OTHER,
            "sin_notification",
            date(2026, 12, 1),
            days_left=-2,
            state="breached",
            anchor_date=date(2026, 11, 24),
        ),
        clock(
            OTHER,
            "dfe_ofsted_notification",
            date(2026, 12, 1),
            days_left=-2,
            anchor_date=date(2026, 11, 24),
            state="met",
        ),
    ]
    w.rules.by_subject = {
        CASE: [
            {
                "case_id": CASE,
                "rulepack": {"id": "statutory-england", "version": "2026.1", "hash": "h"},
                "decided_at": "2026-11-30T10:00:00Z",
                "decisions": [
                    {
                        "rule": "panel_notification",
                        "outcome": "required",
                        "because": ["the child died", "abuse or neglect is suspected"],
                        "source": "Children Act 2004, s.16C(1)",
                    }
                ],
            }
        ]
    }
    w.intake.cases = {
        CASE: {
            "case_id": CASE,
            "reference": "SIN-2026-AAAA1111",
            "agency": "croydon-csc",
            "personal": {"children": [{"name": "Child Alpha", "date_of_birth": "2019-05-04"}]},
            "history": [
                {
                    "record_id": "r1",
                    "kind": "incident",
                    "recorded_at": "2026-11-30T09:00:00Z",
                    "recorded_by": "csc-worker",
                    "recorded_by_agency": "croydon-csc",
                    "facts": {},
                },
                {
                    "record_id": f"{CASE}:information_request:1",
                    "kind": "information_request",
                    "recorded_at": "2026-12-01T09:00:00Z",
                    "recorded_by": "bt",
                    "recorded_by_agency": "cscp",
                    "facts": {
                        "request_id": f"{CASE}:information_request:1",
                        "agency": "met-police",
                        "kind": "imr",
                        "requested_date": "2026-12-01",
                        "due_date": "2026-12-10",
                    },
                },
            ],
        }
    }
    w.intake.readable_by = {CASE: {"cscp", "croydon-csc"}}
    return w


async def test_a_page_sends_a_stranger_to_sign_in_and_back_to_where_they_were_going() -> None:
    w = world_with_cases()
    async with w.client() as browser:
        w.realm.next_user = "bt"
        page = await browser.get(f"/cases/{CASE}")
        assert page.status_code == 200
        assert str(page.url).endswith(f"/cases/{CASE}")
        assert "Signed in as bt" in _text(page.text)
        cookie = page.history[-1].headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


async def test_sign_in_never_sends_people_to_another_site() -> None:
    w = world_with_cases()
    async with w.client() as browser:
        w.realm.next_user = "bt"
        page = await browser.get("/sign-in", params={"next": "https://evil.example/x"})
        assert str(page.url) == "http://console.test/"


async def test_a_callback_without_the_sign_in_it_answers_is_refused() -> None:
    w = world_with_cases()
    async with w.client() as browser:
        page = await browser.get("/auth/callback", params={"state": "made-up", "code": "x"})
        assert page.status_code == 400
        assert "you were not signed in" in _text(page.text)
        assert "Signed in as" not in page.text


async def test_worklist_puts_overdue_first_in_plain_words_with_references_and_counts() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get("/")).text)
    assert "3 Open duties 1 Overdue 1 At risk" in text
    overdue = text.index("SIN-2026-BBBB2222")
    at_risk = text.index("Notify the Panel by 7 December 2026")
    later = text.index("Send the Rapid Review to the Panel by 21 December 2026")
    assert overdue < at_risk < later
    assert "Notify the Panel by 7 December 2026 (5 working days after you became aware)" in text
    assert "Notify the Panel by 1 December 2026" in text and "2 working days late" in text
    assert "Croydon Children's Social Care" in text
    assert CASE not in text  # the reference people were given, never the bare id
    assert "DfE" not in text  # a met clock is not owed any more


async def test_worklist_filters_keep_the_counts_of_everything() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get("/", params={"status": "overdue"})).text)
    assert "1 duties matching the filters" in text
    assert "SIN-2026-BBBB2222" in text
    assert "Notify the Panel by 7 December 2026" not in text
    assert "3 Open duties" in text


async def test_case_page_shows_decisions_with_reasons_and_clock_history_without_personal_data() -> (
    None
):
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get(f"/cases/{CASE}")).text)
    assert "Required" in text and "by rule panel_notification of statutory-england" in text
    assert "Reported by Croydon Children's Social Care" in text
    assert "abuse or neglect is suspected" in text
    assert "Source: Children Act 2004, s.16C(1)" in text
    assert "the case was reported" in text  # why the due date is what it is
    assert "Child Alpha" not in text
    assert w.intake.reads == []  # nothing personal read without a reason


async def test_case_record_is_read_with_the_reason_the_person_gave() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get(f"/cases/{CASE}", params={"reason": "deadline"})).text)
    assert "Child Alpha" in text
    assert "Shown because: Checking or chasing a deadline" in text
    assert w.intake.reads[-1]["reason"] == "Checking or chasing a deadline"
    assert "IMR asked of met-police on 1 December 2026, due 10 December 2026" in text


async def test_asking_for_the_record_without_a_reason_says_what_to_do() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        page = await browser.get(f"/cases/{CASE}", params={"reason": ""})
    assert "Select why you need to see this case's record" in _text(page.text)
    assert 'href="#reason"' in page.text
    assert w.intake.reads == []


async def test_another_agency_is_not_shown_a_case_record() -> None:
    w = world_with_cases()
    async with w.signed_in("police") as browser:
        text = _text((await browser.get(f"/cases/{CASE}", params={"reason": "deadline"})).text)
    assert "Child Alpha" not in text
    assert "not reported by your agency" in text


async def test_recording_the_submission_posts_once_and_says_what_happens_next() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        form = (await browser.get(f"/cases/{CASE}/sin-submission")).text
        fields = {
            "csrf_token": _csrf(form),
            "idempotency_key": _key(form),
            "submitted-day": "2",
            "submitted-month": "12",
            "submitted-year": "2026",
            "panel_reference": "NP-123",
        }
        done = await browser.post(f"/cases/{CASE}/sin-submission", data=fields)
    assert done.status_code == 200
    text = _text(done.text)
    assert "Notification to the Panel recorded" in text and "What happens next" in text
    assert "SIN-2026-AAAA1111" in text
    [sent] = w.intake.posts
    assert sent["path"] == f"/v1/cases/{CASE}/sin-submission"
    assert sent["body"] == {"submitted_date": "2026-12-02", "panel_reference": "NP-123"}
    assert sent["key"] == fields["idempotency_key"]


async def test_a_wrong_date_is_named_in_plain_words_linked_from_the_summary() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        form = (await browser.get(f"/cases/{CASE}/sin-submission")).text
        base = {"csrf_token": _csrf(form), "idempotency_key": _key(form)}
        empty = await browser.post(f"/cases/{CASE}/sin-submission", data=base)
        unreal = await browser.post(
            f"/cases/{CASE}/sin-submission",
            data={**base, "submitted-day": "31", "submitted-month": "2", "submitted-year": "2026"},
        )
        future = await browser.post(
            f"/cases/{CASE}/sin-submission",
            data={**base, "submitted-day": "4", "submitted-month": "12", "submitted-year": "2026"},
        )
        no_month = await browser.post(
            f"/cases/{CASE}/sin-submission",
            data={**base, "submitted-day": "4", "submitted-year": "2026"},
        )
    assert empty.status_code == 400
    assert "There is a problem" in empty.text
    assert "Enter the date the notification was submitted" in _text(empty.text)
    assert 'href="#submitted-day"' in empty.text
    assert "The date the notification was submitted must be a real date" in _text(unreal.text)
    assert "must be today or in the past" in _text(future.text)
    assert "must include a month" in _text(no_month.text)
    assert 'href="#submitted-month"' in no_month.text
    assert 'value="31"' in unreal.text  # what was typed is kept
    assert w.intake.posts == []


async def test_a_form_without_the_sessions_csrf_token_is_refused_and_nothing_sent() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        page = await browser.post(
            f"/cases/{CASE}/sin-submission",
            data={
                "csrf_token": "forged",
                "submitted-day": "2",
                "submitted-month": "12",
                "submitted-year": "2026",
            },
        )
    assert page.status_code == 400
    assert w.intake.posts == []


async def test_intakes_refusal_is_shown_on_the_field_it_names() -> None:
    w = world_with_cases()
    w.intake.refuse_with = ApiError(409, "sin submission was already recorded for this case")
    async with w.signed_in("bt") as browser:
        form = (await browser.get(f"/cases/{CASE}/sin-submission")).text
        page = await browser.post(
            f"/cases/{CASE}/sin-submission",
            data={
                "csrf_token": _csrf(form),
                "idempotency_key": _key(form),
                "submitted-day": "2",
                "submitted-month": "12",
                "submitted-year": "2026",
            },
        )
    assert page.status_code == 400
    assert "already recorded differently" in _text(page.text)


async def test_an_agency_reports_an_incident_and_is_given_its_reference() -> None:
    w = world_with_cases()
    async with w.signed_in("police") as browser:
        start = _text((await browser.get("/")).text)
        assert "Report a serious incident" in start and "Worklist" not in start
        form = (await browser.get("/report-an-incident")).text
        answer = await browser.post(
            "/report-an-incident",
            data={
                "csrf_token": _csrf(form),
                "idempotency_key": _key(form),
                "kind": "death",
                "location": "in_area",
                "abuse": "suspected",
                "incident-day": "21",
                "incident-month": "11",
                "incident-year": "2026",
                "aware-day": "23",
                "aware-month": "11",
                "aware-year": "2026",
                "child_name": "Child Beta",
                "child_dob-day": "4",
                "child_dob-month": "5",
                "child_dob-year": "2019",
                "looked_after": "no",
                "care_leaver": "no",
                "resident": "yes",
            },
        )
    assert answer.status_code == 200
    assert "Your reference SIN-2026-NEW1" in _text(answer.text)
    [sent] = w.intake.posts
    assert sent["path"] == "/v1/incidents"
    assert sent["body"]["aware_date"] == "2026-11-23"
    assert sent["body"]["event"] == {
        "kind": "death",
        "date": "2026-11-21",
        "location": "in_area",
        "abuse_or_neglect": "suspected",
    }
    assert sent["body"]["children"][0]["name"] == "Child Beta"
    assert sent["body"]["children"][0]["normally_resident_in_area"] is True


async def test_an_incident_report_with_dates_out_of_order_is_refused_in_words() -> None:
    w = world_with_cases()
    async with w.signed_in("police") as browser:
        form = (await browser.get("/report-an-incident")).text
        answer = await browser.post(
            "/report-an-incident",
            data={
                "csrf_token": _csrf(form),
                "idempotency_key": _key(form),
                "incident-day": "23",
                "incident-month": "11",
                "incident-year": "2026",
                "aware-day": "21",
                "aware-month": "11",
                "aware-year": "2026",
            },
        )
    text = _text(answer.text)
    assert answer.status_code == 400
    assert "The date you became aware must be on or after the date of the incident" in text
    assert "Select what happened" in text and "Enter the child's name" in text
    assert w.intake.posts == []


async def test_a_case_of_concern_names_agencies_from_the_list_only() -> None:
    w = world_with_cases()
    async with w.signed_in("school") as browser:
        form = (await browser.get("/refer-a-case-of-concern")).text
        assert "Metropolitan Police Service" in form  # chosen from a list, not typed
        fields = {
            "csrf_token": _csrf(form),
            "idempotency_key": _key(form),
            "referred-day": "24",
            "referred-month": "11",
            "referred-year": "2026",
            "referrer_name": "A. Teacher",
            "referrer_role": "DSL",
            "child_1": "Child Gamma",
            "child_2": "Child Delta",
            "meets_sin": "no",
            "meets_spr": "no",
            "concern": "Missed appointments not shared.",
        }
        bad = await browser.post(
            "/refer-a-case-of-concern", data={**fields, "agencies": ["made-up"]}
        )
        good = await browser.post(
            "/refer-a-case-of-concern", data={**fields, "agencies": ["met-police", "croydon-csc"]}
        )
    assert "Select the agencies involved from the list" in _text(bad.text)
    assert good.status_code == 200 and "Case of Concern referred" in good.text
    [sent] = w.intake.posts
    assert sent["body"]["agencies_involved"] == ["met-police", "croydon-csc"]
    assert sent["body"]["children"] == [{"name": "Child Gamma"}, {"name": "Child Delta"}]


async def test_an_agency_sends_its_return_with_a_document() -> None:
    w = world_with_cases()
    request_id = f"{CASE}:information_request:1"
    async with w.signed_in("police") as browser:
        form = (await browser.get(f"/cases/{CASE}/requests/{request_id}/return")).text
        done = await browser.post(
            f"/cases/{CASE}/requests/{request_id}/return",
            data={
                "csrf_token": _csrf(form),
                "idempotency_key": _key(form),
                "received-day": "2",
                "received-month": "12",
                "received-year": "2026",
            },
            files={"documents": ("imr.txt", b"The IMR.", "text/plain")},
        )
    assert "Return sent" in done.text
    [sent] = w.intake.posts
    assert sent["fields"] == {"received_date": "2026-12-02"}
    assert sent["files"] == [("imr.txt", b"The IMR.", "text/plain")]


async def test_an_expired_access_token_is_refreshed_before_the_services_are_asked() -> None:
    w = world_with_cases()
    w.realm.access_ttl = timedelta(seconds=-1)
    async with w.signed_in("bt") as browser:
        page = await browser.get("/")
    assert page.status_code == 200 and "Worklist" in page.text
    assert w.realm.refreshed >= 1


async def test_pages_name_the_partnership_not_govuk() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        page = (await browser.get("/")).text
    assert "Croydon Safeguarding Children Partnership" in page
    assert "govuk-header__logotype" not in page and "crown" not in page.lower()
    assert 'href="/assets/govuk-frontend.min.css"' in page


async def test_signing_out_ends_the_session_here_and_at_the_realm() -> None:
    w = world_with_cases()
    async with w.signed_in("bt") as browser:
        page = (await browser.get("/")).text
        out = await browser.post("/sign-out", data={"csrf_token": _csrf(page)})
        assert "You have signed out" in _text(out.text)
        assert w.realm.ended == ["refresh-bt"]
        w.realm.next_user = "police"
        again = await browser.get("/")
    assert "Signed in as police" in _text(again.text)  # a new sign-in, not the old session


async def test_every_email_link_lands_on_its_page_through_sign_in() -> None:
    w = world_with_cases()
    w.intake.cases["coc-1"] = {
        "id": "coc-1",
        "kind": "case_of_concern",
        "agency": "croydon-csc",
        "opened": {"reference": "COC-2026-ABCD1234"},
        "history": [
            {
                "kind": "case_of_concern",
                "recorded_at": "2026-11-24T10:00:00Z",
                "facts": {"referred_date": "2026-11-24"},
                "words": {"children": [{"name": "Child Gamma"}], "concern": "Missed visits."},
            }
        ],
    }
    w.scheduler.clocks_.append(
        clock(
            "meeting-1",
            "action_due",
            date(2026, 12, 9),
            days_left=4,
            key="action-1",
            anchor="action_recorded",
        )
    )
    links = {
        f"/cases/{CASE}": "SIN-2026-AAAA1111",
        "/cases-of-concern/coc-1?reason=deadline": "COC-2026-ABCD1234",
        "/escalations/esc-1": "Escalation",
        "/meetings/meeting-1": "SPRG meeting",
        "/actions/action-1": "Complete the action by 9 December 2026",
        "/reports/sprg_bimonthly/2026-09": "Report",
    }
    for link, shown in links.items():
        async with w.client() as browser:
            w.realm.next_user = "bt"
            page = await browser.get(link)
        assert page.status_code == 200, link
        assert str(page.url).endswith(link), (link, page.url)
        assert shown in _text(page.text), link
    async with w.signed_in("bt") as browser:
        coc = _text((await browser.get("/cases-of-concern/coc-1?reason=deadline")).text)
    assert "Child Gamma" in coc and "Missed visits." in coc


async def test_a_recurring_duty_reads_as_the_duty_and_its_date() -> None:
    w = world_with_cases()
    w.scheduler.clocks_.append(
        clock(
            "occurrence-1",
            "bimonthly_report",
            date(2026, 12, 30),
            days_left=15,
            anchor="duty_schedule",
            anchor_date=date(2026, 12, 30),
        )
    )
    w.scheduler.clocks_[-1] = w.scheduler.clocks_[-1].model_copy(
        update={"duty_details": {"meeting": "2027-01-14"}}
    )
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get("/")).text)
    assert "Bi-monthly report Produce the bi-monthly report by 30 December 2026 " in text
    assert "counted from" not in text


async def test_the_business_team_asks_an_agency_for_an_imr_by_a_date() -> None:
    w = world_with_cases()
    w.intake.answer = {"case_id": CASE, "record_id": f"{CASE}:information_request:2"}
    async with w.signed_in("bt") as browser:
        form = (await browser.get(f"/cases/{CASE}/information-requests")).text
        base = {"csrf_token": _csrf(form), "idempotency_key": _key(form)}
        past = await browser.post(
            f"/cases/{CASE}/information-requests",
            data={
                **base,
                "agency": "met-police",
                "kind": "imr",
                "due-day": "1",
                "due-month": "12",
                "due-year": "2026",
            },
        )
        sent = await browser.post(
            f"/cases/{CASE}/information-requests",
            data={
                **base,
                "agency": "met-police",
                "kind": "imr",
                "due-day": "10",
                "due-month": "12",
                "due-year": "2026",
            },
        )
    assert "The date it is due must be today or in the future" in _text(past.text)
    assert "Request sent" in sent.text
    assert f'href="/cases/{CASE}/requests/{CASE}:information_request:2/return"' in sent.text
    [posted] = w.intake.posts
    assert posted["body"] == {
        "agency": "met-police",
        "kind": "imr",
        "requested_date": "2026-12-03",
        "due_date": "2026-12-10",
    }


async def test_an_agency_lists_the_cases_that_concern_it_asking_for_its_own_agency() -> None:
    """The scheduler refuses an agency's unscoped list of clocks (issue 14's probe), so the
    console asks for the agency's own; the Business Team still asks for everything."""
    w = world_with_cases()
    w.scheduler.concerns = {"met-police": {OTHER}}
    every = w.intake.pages[CASES]
    w.intake.pages[CASES] = every[:1]  # intake lists the agency's own
    async with w.signed_in("police") as browser:
        text = _text((await browser.get("/cases")).text)
    assert {a["agency"] for a in w.scheduler.asked} == {"met-police"}
    assert "SIN-2026-BBBB2222" in text and "SIN-2026-AAAA1111" not in text
    assert w.intake.paged[-1] == {"path": CASES, "caller": "met-police", "limit": 50, "offset": 0}
    w.scheduler.asked.clear()
    w.intake.pages[CASES] = every
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get("/cases")).text)
    assert {a["agency"] for a in w.scheduler.asked} == {None}
    assert "SIN-2026-AAAA1111" in text


async def test_the_worklist_says_when_the_scheduler_may_have_more_than_it_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worklist_handlers, "MAX_CLOCKS", 1000)  # 20,000 in use
    w = world_with_cases()
    w.scheduler.clocks_ = [
        clock(f"c-{i}", "sin_notification", date(2026, 12, 7), days_left=2) for i in range(1000)
    ]
    async with w.signed_in("bt") as browser:
        text = _text((await browser.get("/")).text)
    assert "1000 Open duties" in text
    assert "There may be more duties than shown" in text


async def test_the_worklist_pages_by_100_and_names_only_the_subjects_it_shows() -> None:
    w = world_with_cases()
    w.scheduler.clocks_ = [
        clock(f"c-{i:03d}", "sin_notification", date(2026, 12, 7), days_left=i % 9)
        for i in range(250)
    ]
    w.reporting.cases = {
        f"c-{i:03d}": {"reference": f"SIN-2026-{i:08d}", "reporting_agency": "met-police"}
        for i in range(250)
    }
    asked: list[list[str]] = []
    original = w.reporting.cases_by_id

    async def counting(token: str, case_ids: list[str]) -> dict[str, dict[str, object]]:
        asked.append(case_ids)
        return await original(token, case_ids)

    w.reporting.cases_by_id = counting  # type: ignore[method-assign]
    async with w.signed_in("bt") as browser:
        asked.clear()  # signing in landed on the worklist once already
        first = _text((await browser.get("/")).text)
        assert len(asked) == 1 and len(asked[0]) == 100  # one lookup for the rows shown
        last = (await browser.get("/", params={"page": "3"})).text
        by_agency = _text((await browser.get("/", params={"agency": "met-police"})).text)
    assert "250 Open duties" in first and "(page 1 of 3)" in first
    assert first.count("SIN-2026-") == 100
    assert _text(last).count("SIN-2026-") == 50 and "Previous" in _text(last)
    assert "250 duties matching the filters" in by_agency


async def test_the_business_team_produces_a_report_and_reads_it() -> None:
    w = world_with_cases()
    w.reporting.page = (
        '<html><body><h1>Review Summary</h1><p class="downloads">'
        '<a href="/v1/reports/executive_quarterly/2026-Q4/cases.csv">cases.csv</a></p>'
        "</body></html>"
    )
    async with w.signed_in("bt") as browser:
        page = (await browser.get("/reports")).text
        assert "Produce the report" in page
        done = await browser.post(
            "/reports",
            data={"csrf_token": _csrf(page), "kind": "executive_quarterly", "period": "2026-Q4"},
        )
        csv = await browser.get("/reports/executive_quarterly/2026-Q4/cases.csv")
    assert str(done.url).endswith("/reports/executive_quarterly/2026-Q4")
    assert '<h1 class="govuk-heading-l">Review Summary</h1>' in done.text
    assert 'href="/reports/executive_quarterly/2026-Q4/cases.csv"' in done.text
    assert csv.status_code == 200 and csv.text == "a,b\n"


def test_codes_read_as_people_write_them() -> None:
    from sprg_console.domain.words import humanise  # noqa: PLC0415

    assert humanise("dfe_ofsted_notification_not_required") == (
        "DfE and Ofsted notification not required"
    )
    assert humanise("csab_liaison_not_required") == "CSAB liaison not required"
    assert humanise("serious_harm") == "Serious harm"

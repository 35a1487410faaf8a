"""The console's SPRG meeting pages through ``bootstrap.build`` with in-memory services:
the schedule, a meeting's page (agenda, attendance, quoracy, minutes, actions) and the
Business Team's forms on it."""

from __future__ import annotations

from datetime import date

from sprg_console.adapters.apis import ApiError
from tests.unit.console_fakes import World, clock
from tests.unit.test_console import _csrf, _key, _text

MEETING = "sprg-meeting-2026-11-12"
NEXT = "sprg-meeting-2027-01-14"
SEATS = [
    {"seat": "chair", "directorate": "Chair", "role": "Rotating Lead", "held": False},
    {
        "seat": "met_police_detective_inspector",
        "directorate": "Police",
        "role": "Detective Inspector",
        "held": True,
        "name": "DI Example",
        "proxies": ["DS Example"],
    },
]
QUORACY = {
    "case_id": MEETING,
    "decided_at": "2026-11-10T09:00:00Z",
    "rulepack": {"id": "sprg-meetings", "version": "2026.1"},
    "decisions": [
        {
            "rule": "Q1",
            "outcome": "meeting_forecast_inquorate",
            "because": ["No one from Health is expected or has sent a proxy"],
            "source": "SPRG terms of reference, quoracy",
        }
    ],
}


def world() -> World:
    w = World(today=date(2026, 12, 3))
    papers = clock(f"{NEXT}/papers", "meeting_papers", date(2027, 1, 7), days_left=20)
    w.meetings.duties_ = [
        papers.model_copy(
            update={"duty_details": {"meeting_id": NEXT, "meeting_date": "2027-01-14"}}
        )
    ]
    w.meetings.seats = list(SEATS)
    w.meetings.records[MEETING] = {
        "id": MEETING,
        "kind": "meeting",
        "history": [
            {"kind": "meeting", "facts": {"meeting_date": "2026-11-12"}, "words": None},
            {
                "kind": "attendance",
                "facts": {
                    "as_of": "2026-11-12",
                    "members": [
                        {"role": "Detective Inspector", "partner": "police", "attendance": "proxy"}
                    ],
                },
                "words": {"names": [{"name": None, "proxy_name": "DS Example"}]},
            },
            {
                "kind": "minutes",
                "facts": {"approved_date": None},
                "words": {"text": "Item 1: the summary of reviews was noted."},
            },
        ],
    }
    w.meetings.agendas[MEETING] = {
        "standing_items": ["Summary of reviews", "Partnership updates"],
        "cases_of_concern": [],
        "rapid_reviews": [
            {"case_id": "c-1", "reference": "SIN-2026-AAAA1111", "stage": "gathering information"}
        ],
        "lcsprs": [],
        "escalations": [],
        "actions_due": [],
        "previous_minutes": None,
    }
    w.rules.by_subject[MEETING] = [QUORACY]
    w.scheduler.clocks_ = [
        clock(MEETING, "action_due", date(2027, 1, 29), days_left=30, key="act-1"),
    ]
    return w


async def test_the_schedule_lists_each_meeting_with_its_chair_and_papers_deadline() -> None:
    w = world()
    async with w.signed_in("chair") as browser:
        page = await browser.get("/meetings")
    text = _text(page.text)
    assert page.status_code == 200
    assert "14 January 2027" in text and "Children's Social Care" in text
    assert "7 January 2027" in text  # the papers deadline, from the duty clock
    assert f'href="/meetings/{NEXT}"' in page.text
    assert text.index("Coming meetings") < text.index("Earlier meetings")


async def test_an_agency_practitioner_cannot_see_the_meetings() -> None:
    async with world().signed_in("police") as browser:
        page = await browser.get("/meetings")
    assert page.status_code == 403


async def test_the_chair_reads_the_agenda_attendance_and_minutes_with_a_reason() -> None:
    w = world()
    async with w.signed_in("chair") as browser:
        first = await browser.get(f"/meetings/{MEETING}")
        assert "Forecast: not quorate" in _text(first.text)
        assert "No one from Health is expected" in _text(first.text)
        assert "Summary of reviews" not in _text(first.text)  # not read without a reason
        assert w.meetings.reads == []
        page = await browser.get(f"/meetings/{MEETING}", params={"reason": "prepare"})
    text = _text(page.text)
    assert "SIN-2026-AAAA1111 : gathering information" in text  # a link, then its stage
    assert "DS Example" in text and "Sent a proxy" in text
    assert "Item 1: the summary of reviews was noted." in text
    assert "act-1" in text  # the meeting's action, from its clock
    assert {r["reason"] for r in w.meetings.reads} == {"Preparing for or chairing the meeting"}
    assert "Record the minutes" in text  # the Chair may record them (intake's matrix)
    assert "Open the meeting's record" not in text


async def test_a_meeting_page_without_a_reason_chosen_says_so() -> None:
    async with world().signed_in("chair") as browser:
        page = await browser.get(f"/meetings/{MEETING}", params={"reason": ""})
    assert "Select why you need to see this meeting" in _text(page.text)


async def test_the_business_team_opens_a_scheduled_meetings_record() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        page = await browser.get(f"/meetings/{NEXT}", params={"reason": "record"})
        assert "This meeting has no record yet" in _text(page.text)
        done = await browser.post(f"/meetings/{NEXT}/record", data={"csrf_token": _csrf(page.text)})
    assert done.status_code == 200
    assert w.meetings.sent[0]["path"] == "/v1/meetings"
    assert w.meetings.sent[0]["body"] == {
        "meeting_date": "2027-01-14",
        "chair_partner": "csc",
        "papers_due_date": "2027-01-07",
    }


async def test_attendance_from_the_membership_with_a_proxy() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        form = await browser.get(f"/meetings/{MEETING}/attendance")
        assert "Police: Detective Inspector (DI Example)" in _text(form.text)
        assert "Named proxies: DS Example" in _text(form.text)
        data = {
            "csrf_token": _csrf(form.text),
            "idempotency_key": _key(form.text),
            "as_of-day": "12",
            "as_of-month": "11",
            "as_of-year": "2026",
            "seat-1": "proxy",
            "proxy-1": "",
        }
        bad = await browser.post(f"/meetings/{MEETING}/attendance", data=data)
        assert bad.status_code == 400
        assert "Enter the name of the proxy for Detective Inspector" in _text(bad.text)
        assert w.meetings.sent == []
        sent = await browser.post(
            f"/meetings/{MEETING}/attendance",
            data={**data, "proxy-1": "DS Example", "similar-1": "yes", "seat-0": "apologies"},
        )
    assert sent.status_code == 200 and "Attendance recorded" in _text(sent.text)
    assert w.meetings.sent[0]["path"] == f"/v1/meetings/{MEETING}/attendance"
    assert w.meetings.sent[0]["body"] == {
        "as_of": "2026-11-12",
        "members": [
            {"seat": "chair", "attendance": "apologies", "apologies_received_date": "2026-11-12"},
            {
                "seat": "met_police_detective_inspector",
                "attendance": "proxy",
                "proxy_name": "DS Example",
                "proxy_similar_seniority": True,
            },
        ],
    }
    assert w.meetings.sent[0]["key"] == data["idempotency_key"]


async def test_intake_refusing_attendance_is_shown_on_the_form() -> None:
    w = world()
    w.meetings.refuse_with = ApiError(422, "members.0: a proxy must be named", {"members.0": "x"})
    async with w.signed_in("bt") as browser:
        form = await browser.get(f"/meetings/{MEETING}/attendance")
        page = await browser.post(
            f"/meetings/{MEETING}/attendance",
            data={
                "csrf_token": _csrf(form.text),
                "idempotency_key": _key(form.text),
                "as_of-day": "12",
                "as_of-month": "11",
                "as_of-year": "2026",
                "seat-0": "in_person",
            },
        )
    assert page.status_code == 400
    assert "There is a problem" in _text(page.text)


async def test_minutes_need_words_and_are_sent_with_their_approval_date() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        form = await browser.get(f"/meetings/{MEETING}/minutes")
        base = {"csrf_token": _csrf(form.text), "idempotency_key": _key(form.text)}
        empty = await browser.post(f"/meetings/{MEETING}/minutes", data={**base, "text": " "})
        assert empty.status_code == 400 and "Enter the minutes" in _text(empty.text)
        sent = await browser.post(
            f"/meetings/{MEETING}/minutes",
            data={
                **base,
                "text": "1. Reviews noted.",
                "approved-day": "1",
                "approved-month": "12",
                "approved-year": "2026",
            },
        )
    assert sent.status_code == 200 and "Minutes recorded" in _text(sent.text)
    assert w.meetings.sent == [
        {
            "path": f"/v1/meetings/{MEETING}/minutes",
            "body": {"text": "1. Reviews noted.", "approved_date": "2026-12-01"},
            "key": base["idempotency_key"],
        }
    ]


async def test_an_action_and_its_follow_up() -> None:
    w = world()
    async with w.signed_in("bt") as browser:
        form = await browser.get(f"/meetings/{MEETING}/actions")
        base = {"csrf_token": _csrf(form.text), "idempotency_key": _key(form.text)}
        bad = await browser.post(
            f"/meetings/{MEETING}/actions", data={**base, "owner_agency": "nowhere"}
        )
        text = _text(bad.text)
        assert "Select the agency that owns the action" in text
        assert "Enter the date the action is due" in text
        await browser.post(
            f"/meetings/{MEETING}/actions",
            data={
                **base,
                "owner_agency": "met-police",
                "owner_role": "Detective Inspector",
                "description": "Brief the safeguarding hub.",
                "due-day": "29",
                "due-month": "1",
                "due-year": "2027",
            },
        )
        update = await browser.get(f"/meetings/{MEETING}/actions/act-1")
        done = await browser.post(
            f"/meetings/{MEETING}/actions/act-1",
            data={
                "csrf_token": _csrf(update.text),
                "idempotency_key": _key(update.text),
                "status": "done",
                "updated-day": "2",
                "updated-month": "12",
                "updated-year": "2026",
                "note": "Briefed.",
            },
        )
    assert "Action updated" in _text(done.text)
    assert [s["path"] for s in w.meetings.sent] == ["/v1/actions", "/v1/actions/act-1/updates"]
    assert w.meetings.sent[0]["body"]["source_id"] == MEETING
    assert w.meetings.sent[0]["body"]["due_date"] == "2027-01-29"
    assert w.meetings.sent[1]["body"] == {
        "status": "done",
        "updated_date": "2026-12-02",
        "note": "Briefed.",
    }


async def test_an_sprg_member_reads_but_cannot_send_the_forms() -> None:
    async with world().signed_in("member") as browser:
        read = await browser.get(f"/meetings/{MEETING}", params={"reason": "prepare"})
        form = await browser.get(f"/meetings/{MEETING}/minutes")
    assert read.status_code == 200 and "Record the minutes" not in _text(read.text)
    assert form.status_code == 403


async def test_a_meeting_address_that_is_not_a_meeting_is_not_found() -> None:
    async with world().signed_in("chair") as browser:
        page = await browser.get("/meetings/not%20a%20meeting")
    assert page.status_code == 404

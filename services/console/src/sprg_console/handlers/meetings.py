"""SPRG meetings: the schedule, and each meeting's page (agenda, papers deadline,
attendance, the quoracy forecast, minutes, actions and their follow-up).

A meeting is named by its date (``sprg-meeting-YYYY-MM-DD``) in the scheduler's schedule
and in intake's record alike. The schedule and the duty clocks are open to every signed-in
person; the record, agenda and minutes are read from intake with a reason (audited).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sprg_console.adapters.apis import ApiError, Clock, Document
from sprg_console.domain import forms, words
from sprg_console.handlers.cases import ClockView, DecisionView, clock_view, decision_views
from sprg_console.handlers.context import Caller, Deps

PARTNERS = {"csc": "Children's Social Care", "police": "Police", "icb": "Health (ICB)"}
ATTENDANCE = {
    "expected": "Expected",
    "in_person": "Attended",
    "proxy": "Sent a proxy",
    "apologies": "Apologies",
    "absent": "Absent",
}
ACTION_STATUS = {"open": "Still open", "done": "Done", "dropped": "Dropped"}
PREFIX = "sprg-meeting-"


def meeting_id(day: date) -> str:
    return f"{PREFIX}{day.isoformat()}"


def meeting_day(meeting_id: str) -> date | None:
    try:
        return date.fromisoformat(meeting_id.removeprefix(PREFIX))
    except ValueError:
        return None


def partner(code: Any) -> str:
    return PARTNERS.get(str(code), words.humanise(code)) if code else "Not set"


@dataclass(frozen=True)
class ScheduledMeeting:
    meeting_id: str
    day: date
    chair: str
    deputy_chair: str
    papers_due: date | None
    items: tuple[str, ...]

    @property
    def url(self) -> str:
        return f"/meetings/{self.meeting_id}"


@dataclass(frozen=True)
class ScheduleView:
    upcoming: list[ScheduledMeeting]
    past: list[ScheduledMeeting]
    standing_items: list[str]
    papers_days: int
    version: int


def _papers_due(duties: list[Clock]) -> dict[str, date]:
    due: dict[str, date] = {}
    for c in duties:
        details = c.duty_details or {}
        if c.kind == "meeting_papers" and details.get("meeting_id"):
            due[details["meeting_id"]] = c.due
    return due


async def schedule(deps: Deps, caller: Caller, today: date) -> ScheduleView:
    found, duties = await asyncio.gather(
        deps.apis.meetings.schedule(caller.token), deps.apis.meetings.duties(caller.token)
    )
    papers = _papers_due(duties)
    plan = found.get("schedule", {})
    meetings = []
    for m in plan.get("meetings", []):
        day = date.fromisoformat(str(m["date"]))
        mid = meeting_id(day)
        meetings.append(
            ScheduledMeeting(
                meeting_id=mid,
                day=day,
                chair=partner(m.get("chair")),
                deputy_chair=partner(m.get("deputy_chair")) if m.get("deputy_chair") else "",
                papers_due=papers.get(mid),
                items=tuple(str(i) for i in m.get("items", [])),
            )
        )
    meetings.sort(key=lambda m: m.day)
    return ScheduleView(
        upcoming=[m for m in meetings if m.day >= today],
        past=[m for m in meetings if m.day < today][::-1],
        standing_items=[str(i) for i in plan.get("standing_items", [])],
        papers_days=int(plan.get("papers_working_days_before", 0)),
        version=int(found.get("version", 0)),
    )


@dataclass(frozen=True)
class Attendee:
    role: str
    partner: str
    attendance: str
    name: str
    proxy: str


@dataclass(frozen=True)
class Quoracy:
    """The rules' answer about the meeting: quorate or not (held), forecast (not yet)."""

    headline: str
    tag: str
    decisions: list[DecisionView]


@dataclass
class MeetingView:
    meeting_id: str
    day: date | None
    reference: str
    scheduled: ScheduledMeeting | None
    clocks: list[ClockView]
    actions: list[ClockView]
    quoracy: Quoracy | None
    recorded: bool | None = None
    """Whether intake holds the meeting's record (None: not asked, no reason given)."""
    reason: str = ""
    record: Document | None = None
    agenda: Document | None = None
    attendance: list[Attendee] = field(default_factory=list)
    attendance_as_of: str = ""
    minutes: str = ""
    minutes_approved: str = ""
    unavailable: list[str] = field(default_factory=list)


def quoracy(decisions: list[Document]) -> Quoracy | None:
    views = decision_views(decisions)
    outcomes = {str(d.get("outcome", "")) for doc in decisions for d in doc.get("decisions", [])}
    if not views:
        return None
    if "meeting_forecast_inquorate" in outcomes:
        return Quoracy("Forecast: not quorate", "govuk-tag--red", views)
    if "meeting_inquorate" in outcomes:
        return Quoracy("Not quorate", "govuk-tag--red", views)
    if "meeting_quorate" in outcomes:
        return Quoracy("Quorate", "govuk-tag--green", views)
    return Quoracy("Forecast: quorate", "govuk-tag--green", views)


def _latest(history: list[Document], kind: str) -> Document | None:
    found = [h for h in history if h.get("kind") == kind]
    return found[-1] if found else None


def _facts(entry: Document | None) -> Document:
    """A record's facts with its words (decrypted by intake for an entitled reader)."""
    if entry is None:
        return {}
    facts: Document = {**(entry.get("facts") or {}), **(entry.get("words") or {})}
    return facts


def _attendance(history: list[Document]) -> tuple[list[Attendee], str]:
    facts = _facts(_latest(history, "attendance"))
    names = list(facts.get("names") or [])
    people = []
    for n, m in enumerate(facts.get("members", [])):
        named = names[n] if n < len(names) and isinstance(names[n], dict) else {}
        people.append(
            Attendee(
                role=str(m.get("role", "")),
                partner=partner(m.get("partner")) if m.get("partner") else "",
                attendance=ATTENDANCE.get(str(m.get("attendance")), str(m.get("attendance"))),
                name=str(named.get("name") or ""),
                proxy=str(named.get("proxy_name") or ""),
            )
        )
    return people, str(facts.get("as_of", ""))


async def meeting(
    deps: Deps, caller: Caller, meeting_id: str, today: date, reason: str = ""
) -> MeetingView:
    day = meeting_day(meeting_id)
    view = MeetingView(
        meeting_id=meeting_id,
        day=day,
        reference=f"SPRG meeting of {words.long_date(day)}" if day else meeting_id,
        scheduled=None,
        clocks=[],
        actions=[],
        quoracy=None,
    )

    async def ask(what: str, call: Any) -> Any:
        try:
            return await call
        except ApiError:
            view.unavailable.append(what)
            return None

    plan, own, papers, report, decisions = await asyncio.gather(
        ask("the schedule (scheduler)", schedule(deps, caller, today)),
        ask("its duties (scheduler)", deps.apis.scheduler.clocks(caller.token, case_id=meeting_id)),
        ask(
            "the papers deadline (scheduler)",
            deps.apis.scheduler.clocks(caller.token, case_id=f"{meeting_id}/papers"),
        ),
        ask(
            "the report deadline (scheduler)",
            deps.apis.scheduler.clocks(caller.token, case_id=f"{meeting_id}/report"),
        ),
        ask("the quoracy forecast (rules)", deps.apis.rules.decisions(caller.token, meeting_id)),
    )
    if plan is not None:
        view.scheduled = next(
            (m for m in plan.upcoming + plan.past if m.meeting_id == meeting_id), None
        )
    clocks: list[Clock] = [*(own or []), *(papers or []), *(report or [])]
    view.actions = [clock_view(c) for c in clocks if c.kind == "action_due"]
    view.clocks = [clock_view(c) for c in clocks if c.kind != "action_due"]
    view.quoracy = quoracy(decisions or [])
    if reason:
        record, agenda = await asyncio.gather(
            ask(
                "the meeting's record (intake)",
                deps.apis.meetings.meeting(caller.token, meeting_id, reason=reason),
            ),
            ask(
                "the agenda (intake)",
                deps.apis.meetings.agenda(caller.token, meeting_id, reason=reason),
            ),
        )
        view.reason = reason
        view.recorded = record is not None
        view.record, view.agenda = record, agenda
        history = list((record or {}).get("history", []))
        view.attendance, view.attendance_as_of = _attendance(history)
        minutes = _facts(_latest(history, "minutes"))
        view.minutes = str(minutes.get("text", ""))
        view.minutes_approved = str(minutes.get("approved_date") or "")
    return view


# --- Forms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    errors: forms.Errors
    answer: Document | None = None


async def _send(
    deps: Deps, caller: Caller, path: str, body: Document, key: str, errors: forms.Errors
) -> Sent:
    if errors:
        return Sent(errors)
    try:
        answer = await deps.apis.meetings.send(caller.token, path, body, idempotency_key=key)
    except ApiError as exc:
        if exc.status in (409, 422):
            for name, message in (exc.fields or {"form": exc.detail}).items():
                errors.add(name.split(".")[-1] if exc.fields else "form", message)
            return Sent(errors)
        raise
    return Sent(errors, answer)


async def open_record(deps: Deps, caller: Caller, meeting: ScheduledMeeting, key: str) -> Sent:
    """Open intake's record of a scheduled meeting (its date, chair, papers deadline)."""
    chair = next((k for k, v in PARTNERS.items() if v == meeting.chair), "")
    body: Document = {"meeting_date": meeting.day.isoformat(), "chair_partner": chair}
    if meeting.papers_due is not None:
        body["papers_due_date"] = meeting.papers_due.isoformat()
    return await _send(deps, caller, "/v1/meetings", body, key, forms.Errors())


async def seats(deps: Deps, caller: Caller) -> list[Document]:
    return await deps.apis.meetings.membership(caller.token)


async def record_attendance(
    deps: Deps,
    caller: Caller,
    meeting_id: str,
    table: list[Document],
    data: dict[str, str],
    key: str,
    today: date,
) -> Sent:
    errors = forms.Errors()
    as_of = forms.a_date(data, "as_of", errors, what="the date of this attendance", today=today)
    members = []
    for n, seat in enumerate(table):
        field_name = f"seat-{n}"
        said = data.get(field_name, "")
        if not said:
            continue
        if said not in ATTENDANCE:
            errors.add(field_name, f"Select how {seat.get('role', 'this seat')} attends")
            continue
        entry: Document = {"seat": seat["seat"], "attendance": said}
        if said == "proxy":
            proxy = data.get(f"proxy-{n}", "").strip()
            if not proxy:
                errors.add(f"proxy-{n}", f"Enter the name of the proxy for {seat.get('role')}")
            entry["proxy_name"] = proxy
            # The quoracy rules count a proxy only of similar seniority: the form says which.
            entry["proxy_similar_seniority"] = data.get(f"similar-{n}") == "yes"
        if said == "apologies" and as_of is not None:
            entry["apologies_received_date"] = as_of.isoformat()  # received by that day
        members.append(entry)
    if not members and not errors:
        errors.add("seat-0", "Select how at least one member attends")
    body: Document = {"as_of": as_of.isoformat() if as_of else "", "members": members}
    return await _send(deps, caller, f"/v1/meetings/{meeting_id}/attendance", body, key, errors)


async def record_minutes(
    deps: Deps, caller: Caller, meeting_id: str, data: dict[str, str], key: str, today: date
) -> Sent:
    errors = forms.Errors()
    text = data.get("text", "").strip()
    if not text:
        errors.add("text", "Enter the minutes")
    body: Document = {"text": text}
    if any(data.get(f"approved-{p}") for p in ("day", "month", "year")):
        approved = forms.a_date(
            data, "approved", errors, what="the date the minutes were approved", today=today
        )
        if approved:
            body["approved_date"] = approved.isoformat()
    return await _send(deps, caller, f"/v1/meetings/{meeting_id}/minutes", body, key, errors)


async def record_action(
    deps: Deps,
    caller: Caller,
    meeting_id: str,
    data: dict[str, str],
    known_agencies: set[str],
    key: str,
    today: date,
) -> Sent:
    errors = forms.Errors()
    agency = data.get("owner_agency", "")
    if agency not in known_agencies:
        errors.add("owner_agency", "Select the agency that owns the action")
    role = data.get("owner_role", "").strip()
    if not role:
        errors.add("owner_role", "Enter the role of the person who owns the action")
    description = data.get("description", "").strip()
    if not description:
        errors.add("description", "Enter what is to be done")
    due = forms.a_date(
        data, "due", errors, what="the date the action is due", today=today, not_after_today=False
    )
    body: Document = {
        "source_id": meeting_id,
        "owner_agency": agency,
        "owner_role": role,
        "due_date": due.isoformat() if due else "",
        "description": description,
    }
    return await _send(deps, caller, "/v1/actions", body, key, errors)


async def update_action(
    deps: Deps, caller: Caller, action_id: str, data: dict[str, str], key: str, today: date
) -> Sent:
    errors = forms.Errors()
    status = data.get("status", "")
    if status not in ACTION_STATUS:
        errors.add("status", "Select where the action stands")
    updated = forms.a_date(data, "updated", errors, what="the date of this update", today=today)
    body: Document = {"status": status, "updated_date": updated.isoformat() if updated else ""}
    if data.get("note", "").strip():
        body["note"] = data["note"].strip()
    if any(data.get(f"due-{p}") for p in ("day", "month", "year")):
        due = forms.a_date(
            data, "due", errors, what="the new due date", today=today, not_after_today=False
        )
        if due:
            body["due_date"] = due.isoformat()
    return await _send(deps, caller, f"/v1/actions/{action_id}/updates", body, key, errors)

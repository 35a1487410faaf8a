"""What a message is about, as people know it: the reference they were given and the
console page that opens it (pure).

Intake mints the references (SIN-2026-..., COC-..., ESC-..., ACT-...; a meeting is known by
its date) and every event the notifier reads carries the one it is about. A message never
names its subject "None" or by a bare id: an event from before references were carried
says what kind of subject it is instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sprg_shared.contracts.decisions import DueBasis
from sprg_shared.references import long_date

# The console's page for each kind of subject (HELPERS.md "Console URLs").
PAGES = {
    "case": "/cases/{id}",
    "case_of_concern": "/cases-of-concern/{id}",
    "escalation": "/escalations/{id}",
    "meeting": "/meetings/{id}",
    "action": "/actions/{id}",
    "report": "/reports/{kind}/{period}",
}
_UNKNOWN = {
    "case": "a case (its reference was not carried)",
    "case_of_concern": "a Case of Concern (its reference was not carried)",
    "escalation": "an escalation (its reference was not carried)",
    "meeting": "an SPRG meeting (its date was not carried)",
    "action": "an action (its reference was not carried)",
}
_CLOCK_EVENTS = {
    "sprg.clock.started.v1",
    "sprg.clock.reminder_due.v1",
    "sprg.clock.breached.v1",
}
_CLOCK_KIND_PAGES = {"escalation_stage": "escalation", "action_due": "action"}
_DECIDED_PAGES = {
    "escalation": "escalation",
    "case_of_concern": "case_of_concern",
    "meeting": "meeting",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Subject:
    kind: str
    reference: str
    link: str


def subject_of(event_type: str, data: dict[str, Any], subject: str, console: str) -> Subject:
    """The subject of an event: its kind, its reference and the console link that opens it."""
    base = console.rstrip("/")
    reference = data.get("reference")
    if event_type == "sprg.report.published.v1":
        period = report_period(data["kind"], date.fromisoformat(data["period_start"]))
        return Subject(
            "report",
            report_title(data["kind"], date.fromisoformat(data["period_start"])),
            base + PAGES["report"].format(kind=data["kind"], period=period),
        )
    page_id = subject
    if event_type in _CLOCK_EVENTS:
        kind = data.get("subject_kind") or _CLOCK_KIND_PAGES.get(data.get("kind", ""), "case")
        page_id = (data.get("key") or subject) if kind == "action" else data["case_id"]
    elif event_type == "sprg.subject.decided.v1":
        kind = _DECIDED_PAGES.get(data["kind"], "case")
        page_id = data["subject_id"] if kind != "case" else data.get("case_id") or subject
    elif event_type == "sprg.rapid_review.info_requested.v1":
        kind, page_id = "case", data["case_id"]
    elif event_type == "sprg.action.recorded.v1":
        kind, page_id = "action", data["action_id"]
    elif event_type == "sprg.escalation.recorded.v1":
        kind = "escalation"
    elif event_type == "sprg.coc.referred.v1":
        kind = "case_of_concern"
    else:
        kind = "case"
    if not reference:
        reference = _UNKNOWN[kind]
    return Subject(kind, str(reference), base + PAGES[kind].format(id=page_id))


def report_period(kind: str, start: date) -> str:
    """The reporting period as the console and the reporting service name it."""
    if kind == "executive_quarterly":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def report_title(kind: str, start: date) -> str:
    if kind == "executive_quarterly":
        return f"Review Summary {start.year} Q{(start.month - 1) // 3 + 1}"
    end = _MONTHS[(start.month % 12)]
    return f"SPRG bi-monthly report {_MONTHS[start.month - 1]}-{end} {start.year}"


def counted(basis: object) -> str:
    """A clock's basis as its decision said it ("5 working days after"); "counted from"
    for a clock without one (the rule pack owns the durations, never a template)."""
    if basis is None:
        return "counted from"
    return DueBasis.model_validate(basis).words()


def when(value: object) -> str:
    """A date as GOV.UK writes it (13 May 2026); anything else as it is."""
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, str):
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)


DUTIES = {
    "sin_notification": "Serious incident notification to the National Panel",
    "rapid_review": "Rapid Review",
    "rapid_review_conservative": "Rapid Review (counted from awareness)",
    "dfe_ofsted_notification": "Notice to the Secretary of State (DfE) and Ofsted",
    "csab_liaison": "Liaison with the Croydon Safeguarding Adults Board",
    "lcspr_completion": "LCSPR completion",
    "lcspr_prepublication": "Final LCSPR report to the Panel and the Secretary of State",
    "information_request": "Information request",
    "imr_return": "IMR (individual management review)",
    "action_due": "Action",
    "escalation_stage": "Escalation stage response",
}


def duty(kind: str) -> str:
    """A clock's kind in plain words."""
    return DUTIES.get(kind, kind.replace("_", " ").capitalize())

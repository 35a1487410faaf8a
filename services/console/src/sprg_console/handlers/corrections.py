"""Correcting a fact of an incident report, with the reason: intake keeps the corrected fact
beside the old one, never over it, and the rules decide again on what now stands."""

from __future__ import annotations

from datetime import date
from typing import Any

from sprg_console.domain import forms
from sprg_console.domain.review_words import INCIDENT_KINDS
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Outcome, Sent, send
from sprg_console.handlers.submissions import ABUSE, LOCATIONS

WORDS_MAX = 20_000


async def correct_incident(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    form = sent.fields
    aware = forms.a_date(
        form, "aware", e, what="the date you became aware", today=today, required=False
    )
    incident = forms.a_date(
        form, "incident", e, what="the date of the incident", today=today, required=False
    )
    event: dict[str, Any] = {}
    if incident:
        event["date"] = incident.isoformat()
    for name, options, message in (
        ("kind", INCIDENT_KINDS, "Select what happened from the list"),
        ("location", LOCATIONS, "Select where it happened from the list"),
        ("abuse", ABUSE, "Select whether abuse or neglect is known or suspected"),
    ):
        value = forms.text(form, name)
        if value and value not in options:
            e.add(name, message)
        elif value:
            event["abuse_or_neglect" if name == "abuse" else name] = value
    reason = forms.required_text(
        form, "reason", e, "Enter why the fact is corrected", max_length=WORDS_MAX
    )
    if not e and aware is None and not event:
        e.add("aware", "Enter the fact you are correcting: a date, or a choice", "aware-day")
    if aware and incident and aware < incident:
        e.add(
            "aware",
            "The date you became aware must be on or after the date of the incident",
            "aware-day",
        )
    if e:
        return out
    body: dict[str, Any] = {"reason": reason}
    if aware:
        body["aware_date"] = aware.isoformat()
    if event:
        body["event"] = event
    return await send(
        deps,
        caller,
        out,
        f"/v1/cases/{ids['case_id']}/corrections",
        body,
        key,
        {
            "aware_date": ("aware", "The date you became aware must be on or after the incident"),
            "event.date": (
                "incident",
                "The date of the incident must be on or before you became aware",
            ),
            "event.kind": ("kind", "Select what happened from the list"),
            "event.location": ("location", "Select where it happened from the list"),
            "event.abuse_or_neglect": ("abuse", "Select whether abuse or neglect is known"),
            "reason": ("reason", "Enter why the fact is corrected"),
        },
    )

"""The workflow forms: read what the person typed, say plainly what is wrong, else send it
through intake with their token and say what happens next.

Each form sends one command under one Idempotency-Key made when the form was shown, so a
double click or a resubmitted page records the fact once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sprg_console.adapters.apis import ApiError
from sprg_console.domain import forms
from sprg_console.domain.review_words import ESCALATION_STAGES
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Outcome, from_intake, send

INCIDENT_KINDS = {"death": "A child died", "serious_harm": "A child was seriously harmed"}
LOCATIONS = {
    "in_area": "In Croydon",
    "elsewhere_in_england": "Elsewhere in England",
    "outside_england": "Outside England",
}
ABUSE = {"known": "Known", "suspected": "Suspected", "none": "Not known or suspected"}
YES_NO = {"yes": "Yes", "no": "No"}


SIN_FIELDS = {
    "submitted_date": ("submitted", "Enter the date the notification was submitted"),
    "panel_reference": ("panel_reference", "Enter the Panel's reference as given"),
}


async def record_sin_submission(
    deps: Deps, caller: Caller, case_id: str, form: Mapping[str, str], key: str, today: date
) -> Outcome:
    out = Outcome()
    submitted = forms.a_date(
        form, "submitted", out.errors, what="the date the notification was submitted", today=today
    )
    reference = forms.text(form, "panel_reference")
    if len(reference) > 100:
        out.errors.add("panel_reference", "The Panel's reference must be 100 characters or fewer")
    if out.errors or submitted is None:
        return out
    body: dict[str, Any] = {"submitted_date": submitted.isoformat()}
    if reference:
        body["panel_reference"] = reference
    return await send(
        deps, caller, out, f"/v1/cases/{case_id}/sin-submission", body, key, SIN_FIELDS
    )


INCIDENT_FIELDS = {
    "aware_date": ("aware", "The date you became aware must be on or after the incident"),
    "event.date": ("incident", "Enter the date of the incident"),
    "event.kind": ("kind", "Select what happened"),
    "event.location": ("location", "Select where it happened"),
    "event.abuse_or_neglect": ("abuse", "Select whether abuse or neglect is known or suspected"),
    "children.0.name": ("child_name", "Enter the child's name"),
    "children.0.date_of_birth": (
        "child_dob",
        "The child's date of birth must be on or before the incident",
    ),
    "children.0.address": ("child_address", "The address must be 500 characters or fewer"),
    "summary": ("summary", "The summary must be 20,000 characters or fewer"),
}


async def report_incident(
    deps: Deps, caller: Caller, form: Mapping[str, str], key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    incident = forms.a_date(form, "incident", e, what="the date of the incident", today=today)
    aware = forms.a_date(form, "aware", e, what="the date you became aware", today=today)
    kind = forms.choice(form, "kind", INCIDENT_KINDS, e, "Select what happened")
    location = forms.choice(form, "location", LOCATIONS, e, "Select where it happened")
    abuse = forms.choice(
        form, "abuse", ABUSE, e, "Select whether abuse or neglect is known or suspected"
    )
    name = forms.required_text(form, "child_name", e, "Enter the child's name")
    dob = forms.a_date(form, "child_dob", e, what="the child's date of birth", today=today)
    address = forms.text(form, "child_address")
    looked_after = forms.yes_no(form, "looked_after", e, "Select yes if the child was looked after")
    care_leaver = forms.yes_no(form, "care_leaver", e, "Select yes if the child was a care leaver")
    resident = forms.yes_no(
        form, "resident", e, "Select yes if the child normally lived in Croydon"
    )
    summary = forms.text(form, "summary")
    if incident and aware and aware < incident:
        e.add(
            "aware",
            "The date you became aware must be on or after the date of the incident",
            "aware-day",
        )
    if incident and dob and dob > incident:
        e.add(
            "child_dob",
            "The child's date of birth must be on or before the date of the incident",
            "child_dob-day",
        )
    if e or incident is None or aware is None or dob is None:
        return out
    child: dict[str, Any] = {
        "name": name,
        "date_of_birth": dob.isoformat(),
        "looked_after": looked_after,
        "care_leaver": care_leaver,
        "normally_resident_in_area": resident,
    }
    if address:
        child["address"] = address
    body: dict[str, Any] = {
        "aware_date": aware.isoformat(),
        "event": {
            "kind": kind,
            "date": incident.isoformat(),
            "location": location,
            "abuse_or_neglect": abuse,
        },
        "children": [child],
    }
    if summary:
        body["summary"] = summary
    return await send(deps, caller, out, "/v1/incidents", body, key, INCIDENT_FIELDS)


COC_FIELDS = {
    "referred_date": ("referred", "Enter the date of the referral"),
    "referrer_name": ("referrer_name", "Enter your name"),
    "referrer_role": ("referrer_role", "Enter your role"),
    "children": ("child_1", "Enter the name of at least one child"),
    "agencies_involved": ("agencies", "Select the agencies involved from the list"),
    "concern": ("concern", "Enter what happened and why it is a concern"),
}


async def refer_case_of_concern(
    deps: Deps,
    caller: Caller,
    form: Mapping[str, str],
    agencies_involved: list[str],
    known_agencies: set[str],
    key: str,
    today: date,
) -> Outcome:
    out = Outcome()
    e = out.errors
    referred = forms.a_date(form, "referred", e, what="the date of the referral", today=today)
    referrer = forms.required_text(form, "referrer_name", e, "Enter your name")
    role = forms.required_text(form, "referrer_role", e, "Enter your role")
    children = [forms.text(form, f"child_{i}") for i in range(1, 4)]
    named = [c for c in children if c]
    if not named:
        e.add("child_1", "Enter the name of at least one child")
    for i, child in enumerate(children, start=1):
        if len(child) > 200:
            e.add(f"child_{i}", "A child's name must be 200 characters or fewer")
    sin = forms.yes_no(form, "meets_sin", e, "Select yes if you think it meets the SIN criteria")
    spr = forms.yes_no(form, "meets_spr", e, "Select yes if you think it meets the review criteria")
    unknown = [a for a in agencies_involved if a not in known_agencies]
    if unknown:
        e.add("agencies", "Select the agencies involved from the list")
    concern = forms.required_text(
        form, "concern", e, "Enter what happened and why it is a concern", max_length=20_000
    )
    learning = forms.text(form, "learning")
    if e or referred is None:
        return out
    body: dict[str, Any] = {
        "referred_date": referred.isoformat(),
        "referrer_name": referrer,
        "referrer_role": role,
        "children": [{"name": n} for n in named],
        "meets_sin_criteria": sin,
        "meets_spr_criteria": spr,
        "agencies_involved": agencies_involved,
        "concern": concern,
    }
    if learning:
        body["learning_sought"] = learning
    return await send(deps, caller, out, "/v1/cases-of-concern", body, key, COC_FIELDS)


async def send_return(
    deps: Deps,
    caller: Caller,
    case_id: str,
    request_id: str,
    form: Mapping[str, str],
    documents: list[tuple[str, bytes, str]],
    key: str,
    today: date,
) -> Outcome:
    out = Outcome()
    received = forms.a_date(
        form, "received", out.errors, what="the date of the return", today=today
    )
    notes = forms.text(form, "notes")
    if not documents and not notes:
        out.errors.add("documents", "Select a document to send, or write a note")
    if out.errors or received is None:
        return out
    fields = {"received_date": received.isoformat()}
    if notes:
        fields["notes"] = notes
    try:
        out.answer = await deps.apis.intake.post_return(
            caller.token,
            f"/v1/cases/{case_id}/information-requests/{request_id}/returns",
            fields,
            documents,
            idempotency_key=key,
        )
    except ApiError as exc:
        if exc.status == 415:
            out.errors.add("documents", "The documents must be PDF, Word (DOCX), ODT or plain text")
        elif exc.status == 413:
            out.errors.add("documents", "The documents must be smaller than 8 MB together")
        else:
            from_intake(
                exc, out.errors, {"received_date": ("received", "Enter the date of the return")}
            )
    return out


REQUEST_KINDS = {
    "imr": "An individual management review (IMR)",
    "chronology": "A chronology",
    "information": "Information about the agency's involvement",
    "other": "Something else",
}


REQUEST_FIELDS = {
    "agency": ("agency", "Select the agency to ask"),
    "kind": ("kind", "Select what you are asking for"),
    "due_date": ("due", "The date it is due must be today or in the future"),
}


async def request_information(
    deps: Deps,
    caller: Caller,
    case_id: str,
    form: Mapping[str, str],
    known_agencies: set[str],
    key: str,
    today: date,
) -> Outcome:
    out = Outcome()
    e = out.errors
    agency = forms.text(form, "agency")
    if agency not in known_agencies:
        e.add("agency", "Select the agency to ask")
    kind = forms.choice(form, "kind", REQUEST_KINDS, e, "Select what you are asking for")
    due = forms.a_date(
        form, "due", e, what="the date it is due", today=today, not_after_today=False
    )
    if due is not None and due < today:
        e.add("due", "The date it is due must be today or in the future", "due-day")
    if e or due is None:
        return out
    body = {
        "agency": agency,
        "kind": kind,
        "requested_date": today.isoformat(),
        "due_date": due.isoformat(),
    }
    return await send(
        deps, caller, out, f"/v1/cases/{case_id}/information-requests", body, key, REQUEST_FIELDS
    )


ESCALATION_FIELDS = {
    "with_agency": ("with_agency", "Select the agency you disagree with"),
    "stage_started_date": ("started", "Enter the date this stage started"),
    "stage": ("stage", "Select the stage reached"),
    "copy_to_cscp_date": ("copied", "Enter the date you sent a copy to the CSCP"),
    "summary": ("summary", "Enter what the disagreement is about"),
}


async def raise_escalation(
    deps: Deps,
    caller: Caller,
    form: Mapping[str, str],
    known_agencies: set[str],
    key: str,
    today: date,
) -> Outcome:
    """An agency practitioner's escalation under the Escalation and Resolution Policy: the
    agency they disagree with (from the list), the stage reached and when it started, the
    copy to the CSCP if sent, what the disagreement is about (sealed by intake)."""
    out = Outcome()
    e = out.errors
    with_agency = forms.text(form, "with_agency")
    if with_agency not in known_agencies:
        e.add("with_agency", "Select the agency you disagree with")
    elif with_agency == caller.person.agency:
        e.add("with_agency", "Select another agency than your own")
    stage = forms.choice(form, "stage", ESCALATION_STAGES, e, "Select the stage reached")
    started = forms.a_date(form, "started", e, what="the date this stage started", today=today)
    copied = forms.a_date(
        form, "copied", e, what="the date you sent a copy to the CSCP", today=today, required=False
    )
    if started and copied and copied < started:
        e.add(
            "copied",
            "The date you sent a copy to the CSCP must be on or after the date the stage started",
            "copied-day",
        )
    summary = forms.required_text(
        form, "summary", e, "Enter what the disagreement is about", max_length=20_000
    )
    if e or started is None:
        return out
    body: dict[str, Any] = {
        "with_agency": with_agency,
        "stage": int(stage),
        "stage_started_date": started.isoformat(),
        "summary": summary,
    }
    if copied is not None:
        body["copy_to_cscp_date"] = copied.isoformat()
    return await send(deps, caller, out, "/v1/escalations", body, key, ESCALATION_FIELDS)

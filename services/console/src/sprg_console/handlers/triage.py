"""The Business Manager's triage of a Case of Concern, and an escalation's next stage, its
resolution or the copy to the CSCP mailbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sprg_console.adapters.apis import ApiError, Document
from sprg_console.domain import forms, words
from sprg_console.domain.review_words import (
    COC_APPROACHES,
    COC_MEETINGS,
    ESCALATION_STAGES,
    TRIAGES,
)
from sprg_console.handlers import worklist
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Outcome, Sent, send

WORDS_MAX = 20_000


async def triage_case_of_concern(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    form = sent.fields
    triage = forms.choice(form, "triage", TRIAGES, e, "Select what happens to the referral")
    triaged = forms.a_date(form, "triaged", e, what="the date of the triage", today=today)
    # Only the chosen answer's own questions count (the form reveals them under it; without
    # JavaScript they are all on the page, and one left filled in under another is ignored).
    listed = triage == "list_for_meeting"
    meeting = forms.text(form, "meeting") if listed else ""
    if (meeting and meeting not in COC_MEETINGS) or (listed and not meeting):
        e.add("meeting", "Select the meeting it is listed for")
    approach = forms.text(form, "approach") if listed else ""
    if approach and approach not in COC_APPROACHES:
        e.add("approach", "Select the approach from the list")
    advice = forms.text(form, "advice") if triage == "advice" else ""
    if triage == "advice" and not advice:
        e.add("advice", "Enter the advice given")
    elif len(advice) > WORDS_MAX:
        e.add("advice", "The advice must be 20,000 characters or fewer")
    if e or triaged is None:
        return out
    body: dict[str, Any] = {"triage": triage, "triaged_date": triaged.isoformat()}
    if meeting:
        body["meeting"] = meeting
    if approach:
        body["approach"] = approach
    if advice:
        body["advice"] = advice
    return await send(
        deps,
        caller,
        out,
        f"/v1/cases-of-concern/{ids['coc_id']}/triage",
        body,
        key,
        {
            "triage": ("triage", "Select what happens to the referral"),
            "triaged_date": ("triaged", "Enter a real date of the triage"),
            "meeting": ("meeting", "Select the meeting it is listed for"),
            "approach": ("approach", "Select the approach from the list"),
            "advice": ("advice", "Enter the advice given"),
        },
    )


async def update_escalation(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    form = sent.fields
    stage = forms.text(form, "stage")
    if stage and stage not in ESCALATION_STAGES:
        e.add("stage", "Select the stage from the list")
        stage = ""
    started = forms.a_date(
        form, "started", e, what="the date the stage started", today=today, required=False
    )
    if stage and started is None and not e.get("started"):
        e.add("started", "Enter the date the stage started", "started-day")
    if started is not None and not stage:
        e.add("stage", "Select the stage that started on that date")
    resolved = forms.a_date(
        form, "resolved", e, what="the date it was resolved", today=today, required=False
    )
    copied = forms.a_date(
        form,
        "copied",
        e,
        what="the date the CSCP mailbox was copied in",
        today=today,
        required=False,
    )
    note = forms.text(form, "note")
    if len(note) > WORDS_MAX:
        e.add("note", "The note must be 20,000 characters or fewer")
    if not e and not (stage or resolved or copied):
        e.add(
            "stage", "Select a new stage, or enter the date it was resolved or copied to the CSCP"
        )
    if e:
        return out
    body: dict[str, Any] = {}
    if stage and started:
        body |= {"stage": int(stage), "stage_started_date": started.isoformat()}
    if resolved:
        body["resolved_date"] = resolved.isoformat()
    if copied:
        body["copy_to_cscp_date"] = copied.isoformat()
    if note:
        body["note"] = note
    return await send(
        deps,
        caller,
        out,
        f"/v1/escalations/{ids['escalation_id']}/updates",
        body,
        key,
        {
            "stage": ("stage", "Select the stage from the list"),
            "stage_started_date": ("started", "Enter a real date the stage started"),
            "resolved_date": ("resolved", "Enter a real date it was resolved"),
            "copy_to_cscp_date": ("copied", "Enter a real date the CSCP was copied in"),
            "note": ("note", "The note could not be accepted"),
        },
    )


@dataclass(frozen=True)
class CocRow:
    coc_id: str
    reference: str
    agency: str
    referred: str
    status: str
    tag: str
    untriaged: bool


@dataclass(frozen=True)
class CocList:
    rows: list[CocRow]
    untriaged: int
    unavailable: bool = False


def _status(row: Document) -> tuple[str, str]:
    triage = row.get("triage")
    if triage in (None, "pending"):
        return "Not triaged", "govuk-tag--orange"
    if row.get("approach"):
        return "Approach agreed: " + COC_APPROACHES.get(
            str(row["approach"]), ""
        ), "govuk-tag--green"
    if triage == "list_for_meeting":
        meeting = COC_MEETINGS.get(str(row.get("meeting")), "a meeting")
        return f"Listed for {meeting[0].lower() + meeting[1:]}", "govuk-tag--blue"
    return "Advice given", "govuk-tag--green"


async def cases_of_concern(deps: Deps, caller: Caller) -> CocList:
    """Every Case of Concern from intake, the untriaged first (intake's order kept)."""
    try:
        found = await deps.apis.intake.listing(caller.token, "/v1/cases-of-concern")
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        return CocList(rows=[], untriaged=0, unavailable=True)
    names = {str(a["agency_id"]): str(a["name"]) for a in await worklist.agencies(deps, caller)}
    rows = []
    for row in found:
        status, tag = _status(row)
        agency = str(row.get("referring_agency", ""))
        rows.append(
            CocRow(
                coc_id=str(row["coc_id"]),
                reference=str(row.get("reference", "")),
                agency=names.get(agency, agency),
                referred=words.long_date(row.get("referred_date")),
                status=status,
                tag=tag,
                untriaged=status == "Not triaged",
            )
        )
    return CocList(rows=rows, untriaged=sum(r.untriaged for r in rows))

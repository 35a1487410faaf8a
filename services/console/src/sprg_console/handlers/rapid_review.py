"""The Rapid Review's forms: its outcome on the four purposes with the recommendation and the
partners' view, the copy sent to the Panel, and closing it because the SIN criteria were
not met. Each checks what a person can get wrong, in plain words, then writes through intake.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sprg_console.adapters.apis import ApiError
from sprg_console.domain import forms
from sprg_console.domain.review_words import (
    CONTRADICTIONS,
    PARTNERS_VIEWS,
    PURPOSE_ERRORS,
    PURPOSES,
    RECOMMENDATIONS,
)
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Outcome, Sent, from_intake, send

NOTES_MAX = 20_000


async def record_outcome(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    form = sent.fields
    held = forms.a_date(form, "held", e, what="the date the Rapid Review was held", today=today)
    purposes: list[dict[str, Any]] = []
    for code in PURPOSES:
        addressed = forms.yes_no(form, f"purpose_{code}", e, PURPOSE_ERRORS[code])
        notes = forms.text(form, f"purpose_{code}_notes")
        if len(notes) > NOTES_MAX:
            e.add(f"purpose_{code}_notes", "The notes must be 20,000 characters or fewer")
        entry: dict[str, Any] = {"purpose": code, "addressed": addressed}
        if notes:
            entry["notes"] = notes
        purposes.append(entry)
    recommendation = forms.choice(
        form, "recommendation", RECOMMENDATIONS, e, "Select what the Rapid Review recommends"
    )
    view = forms.choice(
        form, "partners_view", PARTNERS_VIEWS, e, "Select the partners' view for the Panel"
    )
    if (recommendation, view) in CONTRADICTIONS:
        e.add(
            "partners_view",
            "The partners' view must agree with the recommendation: a recommended LCSPR is "
            "a local review, and a local review is an LCSPR",
        )
    if e or held is None:
        return out
    body = {
        "held_date": held.isoformat(),
        "purposes": purposes,
        "recommendation": recommendation,
        "partners_view": view,
    }
    return await send(
        deps,
        caller,
        out,
        f"/v1/cases/{ids['case_id']}/rapid-review/outcome",
        body,
        key,
        {
            "held_date": ("held", "Enter the date the Rapid Review was held"),
            "purposes": ("form", "Answer each of the four purposes"),
            "recommendation": ("recommendation", "Select what the Rapid Review recommends"),
            "partners_view": ("partners_view", "Select the partners' view for the Panel"),
        },
    )


async def record_sent_to_panel(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    when = forms.a_date(
        sent.fields, "sent", out.errors, what="the date it was sent to the Panel", today=today
    )
    if out.errors or when is None:
        return out
    try:
        out.answer = await deps.apis.intake.post(
            caller.token,
            f"/v1/cases/{ids['case_id']}/rapid-review/sent-to-panel",
            {"sent_date": when.isoformat()},
            idempotency_key=key,
        )
    except ApiError as exc:
        said = exc.fields.get("sent_date", "")
        if "not recorded yet" in said:
            out.errors.add(
                "sent", "Record the Rapid Review's outcome before the copy to the Panel", "sent-day"
            )
        elif "before the Rapid Review was held" in said:
            out.errors.add(
                "sent",
                "The date it was sent must be on or after the day the Rapid Review was held",
                "sent-day",
            )
        else:
            from_intake(exc, out.errors, {"sent_date": ("sent", "Enter a real date")})
    return out


async def close(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    closed = forms.a_date(
        sent.fields, "closed", e, what="the date the Rapid Review was closed", today=today
    )
    rationale = forms.required_text(
        sent.fields,
        "rationale",
        e,
        "Enter why the criteria for a serious incident notification were not met",
        max_length=NOTES_MAX,
    )
    if e or closed is None:
        return out
    return await send(
        deps,
        caller,
        out,
        f"/v1/cases/{ids['case_id']}/rapid-review/closure",
        {"closed_date": closed.isoformat(), "reason": "criteria_not_met", "rationale": rationale},
        key,
        {
            "closed_date": ("closed", "Enter the date the Rapid Review was closed"),
            "rationale": ("rationale", "Enter why the criteria were not met"),
        },
    )

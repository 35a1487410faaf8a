"""The LCSPR's forms: the factors weighed (every one, absent ones too, with the reasons), the
decision and methodology, its milestones, and its publication with the press offices told."""

from __future__ import annotations

from datetime import date
from typing import Any

from sprg_console.domain import forms
from sprg_console.domain.review_words import FACTORS, LCSPR_DECISIONS, METHODOLOGIES, MILESTONES
from sprg_console.handlers import worklist
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.recording import Outcome, Sent, send

WORDS_MAX = 20_000
PUBLICATION_CHOICES = {
    "planned": "Its publication is planned for a date",
    "published": "It was published",
    "not_publishing": "It will not be published",
}


async def record_factors(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    form = sent.fields
    serious = forms.yes_no(
        form, "serious", e, "Select yes if it is a serious child safeguarding case"
    )
    factors: dict[str, Any] = {}
    for code in FACTORS:
        words = FACTORS[code]
        present = forms.yes_no(
            form, f"factor_{code}", e, f"Select yes if {words[0].lower()}{words[1:]}"
        )
        why = forms.text(form, f"factor_{code}_why")
        if len(why) > WORDS_MAX:
            e.add(f"factor_{code}_why", "The reasons must be 20,000 characters or fewer")
        factors[code] = {"present": present} | ({"explanation": why} if why else {})
    if e:
        return out
    return await send(
        deps,
        caller,
        out,
        f"/v1/cases/{ids['case_id']}/lcspr/factors",
        {"serious_child_safeguarding_case": serious, "factors": factors},
        key,
        {
            "serious_child_safeguarding_case": (
                "serious",
                "Select yes if it is a serious child safeguarding case",
            ),
            "factors": ("form", "Answer every factor, present or not"),
        },
    )


async def decide(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    form = sent.fields
    decision = forms.choice(
        form, "decision", LCSPR_DECISIONS, e, "Select whether the partners commission an LCSPR"
    )
    decided = forms.a_date(form, "decided", e, what="the date of the decision", today=today)
    # Asked under "commission" only: left filled in under the other answer, it is ignored.
    methodology = forms.text(form, "methodology") if decision == "commission" else ""
    if methodology and methodology not in METHODOLOGIES:
        e.add("methodology", "Select how the review will be carried out")
        methodology = ""
    if decision == "commission" and not methodology:
        e.add("methodology", "Select how the review will be carried out")
    informed = forms.a_date(
        form,
        "informed",
        e,
        what="the date the Panel was told",
        today=today,
        required=False,
    )
    rationale = forms.text(form, "rationale")
    if decision == "do_not_commission" and not rationale:
        e.add("rationale", "Enter why the partners do not commission an LCSPR")
    elif methodology == "other" and not rationale:
        e.add("rationale", "Enter which way the review will be carried out, and why")
    elif len(rationale) > WORDS_MAX:
        e.add("rationale", "The reasons must be 20,000 characters or fewer")
    if decided and informed and informed < decided:
        e.add(
            "informed",
            "The date the Panel was told must be on or after the date of the decision",
            "informed-day",
        )
    if e or decided is None:
        return out
    body: dict[str, Any] = {"decision": decision, "decided_date": decided.isoformat()}
    if methodology:
        body["methodology"] = methodology
    if informed:
        body["panel_informed_date"] = informed.isoformat()
    if rationale:
        body["rationale"] = rationale
    return await send(
        deps,
        caller,
        out,
        f"/v1/cases/{ids['case_id']}/lcspr/decision",
        body,
        key,
        {
            "decision": ("decision", "Select whether the partners commission an LCSPR"),
            "decided_date": ("decided", "Enter a real date of the decision"),
            "methodology": ("methodology", "Select how the review will be carried out"),
            "panel_informed_date": ("informed", "Enter a real date the Panel was told"),
            "rationale": ("rationale", "Enter the reasons"),
        },
    )


async def record_milestone(
    deps: Deps, caller: Caller, ids: dict[str, str], sent: Sent, key: str, today: date
) -> Outcome:
    out = Outcome()
    e = out.errors
    milestone = forms.choice(sent.fields, "milestone", MILESTONES, e, "Select what happened")
    when = forms.a_date(sent.fields, "when", e, what="the date it happened", today=today)
    if e or when is None:
        return out
    return await send(
        deps,
        caller,
        out,
        f"/v1/cases/{ids['case_id']}/lcspr/progress",
        {"milestone": milestone, "milestone_date": when.isoformat()},
        key,
        {
            "milestone": ("milestone", "Select what happened"),
            "milestone_date": ("when", "Enter the date it happened"),
        },
    )


async def record_publication(
    deps: Deps,
    caller: Caller,
    ids: dict[str, str],
    sent: Sent,
    key: str,
    today: date,
) -> Outcome:
    known_agencies = {str(a["agency_id"]) for a in await worklist.agencies(deps, caller)}
    out = Outcome()
    e = out.errors
    form = sent.fields
    what = forms.choice(form, "what", PUBLICATION_CHOICES, e, "Select what you are recording")
    body: dict[str, Any] = {}
    if what == "planned":
        planned = forms.a_date(
            form,
            "planned",
            e,
            what="the planned date of publication",
            today=today,
            not_after_today=False,
        )
        if planned is not None and planned < today:
            e.add("planned", "The planned date must be today or in the future", "planned-day")
        elif planned is not None:
            body["planned_publication_date"] = planned.isoformat()
    elif what == "published":
        published = forms.a_date(
            form, "published", e, what="the date it was published", today=today
        )
        if published is not None:
            body["published_date"] = published.isoformat()
    elif what == "not_publishing":
        reason = forms.required_text(
            form, "reason", e, "Enter why it will not be published", max_length=WORDS_MAX
        )
        body |= {"not_publishing": True, "reason_not_publishing": reason}
    agencies = sent.items("agencies")
    told = sent.items("press_offices")
    if not agencies:
        e.add("agencies", "Select the agencies involved in the review")
    elif any(a not in known_agencies for a in agencies):
        e.add("agencies", "Select the agencies involved from the list")
    if any(a not in known_agencies for a in told):
        e.add("press_offices", "Select the press offices told from the list")
    elif any(a not in agencies for a in told):
        e.add("press_offices", "Select only press offices of the agencies involved")
    if e:
        return out
    body |= {"agencies": agencies, "press_offices_told": told}
    return await send(
        deps,
        caller,
        out,
        f"/v1/cases/{ids['case_id']}/lcspr/publication",
        body,
        key,
        {
            "planned_publication_date": ("planned", "Enter a planned date within 5 years"),
            "published_date": ("published", "Enter a real date it was published"),
            "reason_not_publishing": ("reason", "Enter why it will not be published"),
            "agencies": ("agencies", "Select the agencies involved from the list"),
            "press_offices_told": ("press_offices", "Select the press offices from the list"),
        },
    )

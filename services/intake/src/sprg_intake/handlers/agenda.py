"""A meeting's agenda, built for it from what intake holds (issue 13 point 8).

The seed's standing items; the Cases of Concern listed for it (triaged "list for the
next SPRG meeting" since the previous meeting); the Rapid Reviews and LCSPRs in progress;
the escalations at Stage 3 or above still open (or resolved since the previous meeting);
the actions due by the meeting; the previous meeting's minutes. Read only by the SPRG
and the Business Team, and audited like every read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sprg_intake.handlers.incident import CaseNotFound, IntakeDeps
from sprg_intake.handlers.recording import audit_read, opened
from sprg_shared.auth import Principal, Role
from sprg_shared.references import meeting_reference
from sprg_shared.store import Document

# The seed: "Standing Items include: Summary of Reviews; Partnership updates; Confirmation
# of previous minutes & actions; The SPRG Meeting Schedule (circulated with papers)".
STANDING_ITEMS = (
    "Summary of reviews",
    "Partnership updates",
    "Confirmation of previous minutes and actions",
    "The SPRG meeting schedule (circulated with papers)",
)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


async def _latest(deps: IntakeDeps, subject_id: str, *kinds: str) -> dict[str, Any]:
    records = await deps.repo.records_for(subject_id, *kinds)
    return dict(records[-1]["facts"]) if records else {}


async def agenda(
    meeting_id: str, principal: Principal, deps: IntakeDeps, *, reason: str
) -> dict[str, Any]:
    meeting = await deps.repo.get_record(meeting_id)
    granted = (
        meeting is not None
        and meeting["kind"] == "meeting"
        and principal.has(Role.BUSINESS_TEAM, Role.CHAIR, Role.SPRG_MEMBER)
    )
    await audit_read(deps, f"{meeting_id}/agenda", principal, reason, granted=granted)
    if meeting is None or not granted:
        raise CaseNotFound(meeting_id)
    on = date.fromisoformat(meeting["facts"]["meeting_date"])
    earlier = [
        m
        for m in await deps.repo.records_of_kind("meeting")
        if date.fromisoformat(m["facts"]["meeting_date"]) < on
    ]
    previous = max(earlier, key=lambda m: m["facts"]["meeting_date"], default=None)
    since = date.fromisoformat(previous["facts"]["meeting_date"]) if previous else None
    return {
        "meeting_id": meeting_id,
        "reference": meeting_reference(on),
        "meeting_date": on.isoformat(),
        "standing_items": list(STANDING_ITEMS),
        "cases_of_concern": await _cases_of_concern(deps, on, since),
        "rapid_reviews": await _reviews(deps, on, "rapid_review"),
        "lcsprs": await _reviews(deps, on, "lcspr"),
        "escalations": await _escalations(deps, since),
        "actions_due": await _actions(deps, on),
        "previous_minutes": await _previous_minutes(deps, previous),
    }


async def _cases_of_concern(deps: IntakeDeps, on: date, since: date | None) -> list[Any]:
    """Listed for the next SPRG meeting after the triage: this one, if triaged since the last."""
    listed = []
    for coc in await deps.repo.records_of_kind("case_of_concern"):
        triage = await _latest(deps, coc["_id"], "triage")
        when = _day(triage.get("triaged_date"))
        if triage.get("triage") != "list_for_meeting" or triage.get("meeting") != "sprg":
            continue
        if when is None or when > on or (since is not None and when <= since):
            continue
        listed.append(
            {
                "coc_id": coc["_id"],
                "reference": coc["facts"]["reference"],
                "referring_agency": coc["facts"]["referring_agency"],
                "triaged_date": when.isoformat(),
                "approach": triage.get("approach"),
            }
        )
    return listed


async def _reviews(deps: IntakeDeps, on: date, which: str) -> list[Any]:
    """Rapid Reviews under way (information asked or the SIN submitted, no outcome or not yet
    sent to the Panel, not closed) or LCSPRs commissioned and not published by ``on``."""
    found = []
    for case in await deps.repo.incident_cases():
        if date.fromisoformat(case["facts"]["aware_date"]) > on:
            continue  # not known of by the meeting
        kinds = {r["kind"]: r["facts"] for r in await deps.repo.records_for(case["_id"])}
        entry: dict[str, Any] = {"case_id": case["_id"], "reference": case["reference"]}
        if which == "rapid_review":
            if "rapid_review_closed" in kinds or "rapid_review_sent_to_panel" in kinds:
                continue
            if "rapid_review_held" in kinds:
                entry["stage"] = "held; copy not yet sent to the Panel"
            elif "information_request" in kinds or case.get("sin_submission"):
                entry["stage"] = "gathering information"
            else:
                continue
        else:
            decision = kinds.get("lcspr_decision") or {}
            publication = kinds.get("lcspr_publication") or {}
            if decision.get("decision") != "commission":
                continue
            published = _day(publication.get("published_date"))
            if publication.get("not_publishing") or (published is not None and published <= on):
                continue  # published by the meeting (a later publication: still in progress)
            entry["commissioned_date"] = decision.get("decided_date")
            entry["planned_publication_date"] = publication.get("planned_publication_date")
            progress = kinds.get("lcspr_progress") or {}
            entry["last_milestone"] = progress.get("milestone")
        found.append(entry)
    return found


async def _escalations(deps: IntakeDeps, since: date | None) -> list[Any]:
    found = []
    for opened_record in await deps.repo.records_of_kind("escalation"):
        state = await _latest(deps, opened_record["_id"], "escalation", "escalation_update")
        resolved = _day(state.get("resolved_date"))
        if state.get("stage", 0) < 3:
            continue
        if resolved is not None and since is not None and resolved <= since:
            continue
        found.append(
            {
                "escalation_id": opened_record["_id"],
                "reference": state["reference"],
                "stage": state["stage"],
                "raised_by_agency": state["raised_by_agency"],
                "with_agency": state["with_agency"],
                "stage_started_date": state["stage_started_date"],
                "resolved_date": state.get("resolved_date"),
            }
        )
    return found


async def _actions(deps: IntakeDeps, on: date) -> list[Any]:
    found = []
    for action in await deps.repo.records_of_kind("action"):
        state = await _latest(deps, action["_id"], "action", "action_update")
        due = _day(state.get("due_date"))
        if state.get("status") != "open" or due is None or due > on:
            continue
        found.append(
            {
                "action_id": action["_id"],
                "reference": state.get("reference"),
                "source_reference": state.get("source_reference"),
                "owner_agency": state["owner_agency"],
                "owner_role": state["owner_role"],
                "due_date": due.isoformat(),
                "overdue_by_meeting": due < on,
            }
        )
    return found


async def _previous_minutes(deps: IntakeDeps, previous: Document | None) -> dict[str, Any] | None:
    if previous is None:
        return None
    minutes = await deps.repo.records_for(previous["_id"], "minutes")
    entry: dict[str, Any] = {
        "meeting_id": previous["_id"],
        "reference": meeting_reference(date.fromisoformat(previous["facts"]["meeting_date"])),
        "recorded": bool(minutes),
    }
    if minutes:
        entry["approved_date"] = minutes[-1]["facts"].get("approved_date")
        entry["text"] = (opened(deps, minutes[-1]) or {}).get("text")
    return entry

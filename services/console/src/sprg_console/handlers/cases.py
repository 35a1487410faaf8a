"""A case page: its decisions and clocks for everyone who works on it; its record (with the
child's details) only when intake grants it, for the reason the person gave."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sprg_console.adapters.apis import ApiError, Clock, Document
from sprg_console.domain import words
from sprg_console.handlers.context import Caller, Deps

READ_REASONS: dict[str, str] = {
    "rapid_review": "Preparing or holding the Rapid Review",
    "record_submission": "Recording a submission, return or correction",
    "deadline": "Checking or chasing a deadline",
    "partner_question": "Answering a question from a partner agency",
    "panel_question": "Answering a question from the National Panel",
}


@dataclass(frozen=True)
class DecisionView:
    rule: str
    outcome: str
    because: list[str]
    source: str
    pack: str
    decided_at: str


@dataclass(frozen=True)
class ClockView:
    clock_id: str
    kind: str
    title: str
    sentence: str
    state: str
    tag: str
    remaining: str
    history: list[tuple[str, str, str]]
    """(when it changed, the due date it then had, why) for every due date the clock had."""
    key: str | None


@dataclass(frozen=True)
class RequestView:
    request_id: str
    what: str
    agency: str
    requested: str
    due: str
    returns: list[dict[str, Any]]


@dataclass
class CaseView:
    case_id: str
    reference: str
    agency: str
    summary: Document | None
    decisions: list[DecisionView]
    clocks: list[ClockView]
    record: Document | None = None
    reason: str = ""
    refused: str = ""
    requests: list[RequestView] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)

    @property
    def sin_open(self) -> bool:
        ended = {"Done", "Done late", "Stopped", "Closed"}  # ClockView.state is in words
        return any(c.kind == "sin_notification" and c.state not in ended for c in self.clocks)


def decision_views(docs: list[Document]) -> list[DecisionView]:
    views = []
    for doc in docs:
        pack = doc.get("rulepack") or {}
        pack_words = f"{pack.get('id', '')} version {pack.get('version', '')}".strip()
        for d in doc.get("decisions", []):
            views.append(
                DecisionView(
                    rule=str(d.get("rule", "")),
                    outcome=words.humanise(d.get("outcome")),
                    because=[str(b) for b in d.get("because", [])],
                    source=str(d.get("source", "")),
                    pack=pack_words,
                    decided_at=words.long_date(str(doc.get("decided_at", ""))[:10]),
                )
            )
    return views


_TAGS = {
    "Overdue": "govuk-tag--red",
    "At risk": "govuk-tag--orange",
    "Done": "govuk-tag--green",
    "Paused": "govuk-tag--grey",
}


def clock_view(clock: Clock) -> ClockView:
    base = clock.counted_from or clock.anchor_date
    if clock.overdue and clock.state in ("open", "reminded", "breached"):
        state = "Overdue"
    elif clock.at_risk:
        state = "At risk"
    else:
        state = words.STATES.get(clock.state, words.humanise(clock.state))
    if clock.state == "met":
        state = "Done late" if clock.late else "Done"
        remaining = f"done on {words.long_date(clock.met_on)}" if clock.met_on else "done"
    else:
        remaining = words.remaining(clock.working_days_remaining, clock.overdue)
    history = [
        (
            words.long_date(h.anchor_date),
            words.long_date(h.due),
            h.reason or words.humanise(h.change),
        )
        for h in clock.history
    ]
    return ClockView(
        clock_id=clock.clock_id,
        kind=clock.kind,
        title=words.duty_noun(clock.kind),
        sentence=words.sentence(clock.kind, clock.anchor, base, clock.due),
        state=state,
        tag=_TAGS.get(state, "govuk-tag--blue"),
        remaining=remaining,
        history=history,
        key=clock.key,
    )


async def _or_none(what: str, missing: list[str], call: Any) -> Any:
    try:
        return await call
    except ApiError as exc:
        if exc.status not in (403, 404):
            missing.append(what)
        return None


async def case_page(deps: Deps, caller: Caller, case_id: str, reason: str = "") -> CaseView:
    missing: list[str] = []
    summary, decisions, clocks = await asyncio.gather(
        _or_none(
            "the case's summary (reporting)",
            missing,
            deps.apis.reporting.case(caller.token, case_id),
        ),
        _or_none(
            "the decisions (rules)", missing, deps.apis.rules.decisions(caller.token, case_id)
        ),
        _or_none(
            "the clocks (scheduler)",
            missing,
            deps.apis.scheduler.clocks(caller.token, case_id=case_id),
        ),
    )
    names = {str(a["agency_id"]): str(a["name"]) for a in await _agencies(deps, caller)}
    agency = str((summary or {}).get("reporting_agency", ""))
    view = CaseView(
        case_id=case_id,
        reference=str((summary or {}).get("reference", "")),
        agency=names.get(agency, agency),
        summary=summary,
        decisions=decision_views(decisions or []),
        clocks=[clock_view(c) for c in sorted(clocks or [], key=lambda c: c.due)],
        unavailable=missing,
    )
    if reason:
        await _read_record(deps, caller, view, reason)
    return view


async def _agencies(deps: Deps, caller: Caller) -> list[Document]:
    try:
        found = await deps.apis.notifier.agencies(caller.token)
    except ApiError:
        found = []
    return found or list(deps.agencies)


async def _read_record(deps: Deps, caller: Caller, view: CaseView, reason: str) -> None:
    said = READ_REASONS.get(reason, reason)
    try:
        record = await deps.apis.intake.read(caller.token, f"/v1/cases/{view.case_id}", reason=said)
    except ApiError as exc:
        if exc.status in (403, 404):
            view.refused = "You cannot see this case's record: it was not reported by your agency."
            return
        view.unavailable.append("the case's record (intake)")
        return
    view.record, view.reason = record, said
    view.reference = view.reference or str(record.get("reference", ""))
    view.agency = view.agency or str(record.get("agency", ""))
    history = record.get("history", [])
    returns: dict[str, list[dict[str, Any]]] = {}
    for entry in history:
        if entry.get("kind") == "return":
            returns.setdefault(str(entry["facts"].get("request_id", "")), []).append(entry)
    for entry in history:
        if entry.get("kind") == "information_request":
            facts = entry.get("facts", {})
            view.requests.append(
                RequestView(
                    request_id=str(facts.get("request_id", entry.get("record_id"))),
                    what=words.humanise(facts.get("kind")),
                    agency=str(facts.get("agency", "")),
                    requested=words.long_date(facts.get("requested_date")),
                    due=words.long_date(facts.get("due_date")),
                    returns=returns.get(str(facts.get("request_id", entry.get("record_id"))), []),
                )
            )
    view.timeline = [
        {
            "what": "Incident reported",
            "when": words.long_date(str(record.get("created_at", ""))[:10]),
            "who": "",
            "agency": view.agency,
        }
    ] + [
        {
            "what": words.humanise(e.get("kind")),
            "when": words.long_date(str(e.get("recorded_at", ""))[:10]),
            "who": e.get("recorded_by", ""),
            "agency": e.get("recorded_by_agency", ""),
        }
        for e in history
    ]

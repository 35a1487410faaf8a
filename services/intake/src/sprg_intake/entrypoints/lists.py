"""Lists the Business Team works from: every Case of Concern, the untriaged first.

Facts only (reference, referring agency, dates, the triage as it stands): no referrer's
name, no child's name, no concern (those are sealed, and read one at a time, audited).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from sprg_intake.entrypoints.routes import Route, deps_of
from sprg_shared.access import Caller

UNTRIAGED = {None, "pending"}


def cases_of_concern(
    referred: list[dict[str, Any]], triages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each Case of Concern with its latest triage; the untriaged first, the longest waiting
    at the top, then the triaged, the most recently referred first (pure)."""
    latest: dict[str, dict[str, Any]] = {}
    for record in triages:  # in the order recorded: the last one stands
        latest[str(record["subject_id"])] = record["facts"]
    rows = []
    for record in referred:
        facts = record["facts"]
        triage = latest.get(str(record["_id"]))
        rows.append(
            {
                "coc_id": record["_id"],
                "reference": facts.get("reference", ""),
                "referring_agency": facts.get("referring_agency", ""),
                "agencies_involved": list(facts.get("agencies_involved", [])),
                "referred_date": facts.get("referred_date"),
                "meets_sin_criteria": facts.get("meets_sin_criteria"),
                "meets_spr_criteria": facts.get("meets_spr_criteria"),
                "triage": None if triage is None else triage.get("triage"),
                "triaged_date": None if triage is None else triage.get("triaged_date"),
                "meeting": None if triage is None else triage.get("meeting"),
                "approach": None if triage is None else triage.get("approach"),
            }
        )
    waiting = sorted(
        (r for r in rows if r["triage"] in UNTRIAGED), key=lambda r: str(r["referred_date"])
    )
    done = sorted(
        (r for r in rows if r["triage"] not in UNTRIAGED),
        key=lambda r: str(r["referred_date"]),
        reverse=True,
    )
    return waiting + done


async def list_cases_of_concern(request: Request, principal: Caller) -> list[dict[str, Any]]:
    deps = deps_of(request)
    return cases_of_concern(
        await deps.repo.records_of_kind("case_of_concern"),
        await deps.repo.records_of_kind("triage"),
    )


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/cases-of-concern",
        "list_cases_of_concern",
        "cases of concern",
        "Every Case of Concern, the untriaged first (facts only, no personal data)",
        list_cases_of_concern,
    ),
)

"""Correcting a fact on a case, with the reason."""

from __future__ import annotations

from sprg_console.entrypoints.workflows import Workflow
from sprg_console.handlers import corrections, submissions
from sprg_console.handlers.recording import Sent
from sprg_shared.auth import Role


def _after_correction(sent: Sent) -> list[str]:
    return [
        "The corrected fact is kept beside the one first reported, never over it, with "
        "your reason and your name.",
        "The rules decide again on what the case now says: if a date moved, the deadlines "
        "counted from it move too, and each clock's history says why.",
    ]


WORKFLOWS = (
    Workflow(
        path="/cases/{case_id}/corrections",
        template="correction.html",
        title="Correct a fact on the case",
        handler=corrections.correct_incident,
        roles=(Role.AGENCY_SUBMITTER, Role.BUSINESS_TEAM),
        done_title="Correction recorded",
        next_steps=_after_correction,
        extra={"locations": submissions.LOCATIONS, "abuse": submissions.ABUSE},
    ),
)

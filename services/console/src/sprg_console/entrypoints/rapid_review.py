"""The Rapid Review's forms on a case: the outcome, the copy to the Panel, the closure."""

from __future__ import annotations

from sprg_console.entrypoints.workflows import TEAM_OR_CHAIR, Workflow
from sprg_console.handlers import rapid_review
from sprg_console.handlers.recording import Sent
from sprg_shared.auth import Role


def _after_outcome(sent: Sent) -> list[str]:
    steps = [
        "The Rapid Review's deadlines are marked done on the day it was held (done late if "
        "that was after they were due).",
        "Sending the Rapid Review to the Panel is now a duty of its own, due within 1 "
        "working day: it shows on the worklist until you record that it was sent.",
    ]
    view = sent.get("partners_view")
    if view == "local_review":
        steps.append(
            "The partners' view is a local review: next, record the LCSPR factors and the "
            "decision to commission it."
        )
    elif view == "national_review":
        steps.append(
            "The partners' view is that the Panel should consider a national review: the "
            "Panel decides, and tells the partnership."
        )
    else:
        steps.append("The partners' view is that no review is needed: the Panel is told so.")
    return steps


def _after_copy(sent: Sent) -> list[str]:
    return [
        "The duty to send the Rapid Review to the Panel is marked done (done late if it "
        "was sent after it was due).",
        "The bi-monthly report counts the copy to the Panel and whether it was on time.",
    ]


def _after_closure(sent: Sent) -> list[str]:
    return [
        "The notification and Rapid Review deadlines are closed with the reason: the "
        "criteria for a serious incident notification were not met.",
        "The rules' decision on the case becomes “criteria not met”; the earlier decision "
        "that the Panel must be notified stays in the case's history, marked as replaced.",
        "The review counts as closed in the reports.",
    ]


WORKFLOWS = (
    Workflow(
        path="/cases/{case_id}/rapid-review/outcome",
        template="rapid_review_outcome.html",
        title="Record the Rapid Review's outcome",
        handler=rapid_review.record_outcome,
        roles=TEAM_OR_CHAIR,
        done_title="Rapid Review outcome recorded",
        next_steps=_after_outcome,
    ),
    Workflow(
        path="/cases/{case_id}/rapid-review/sent-to-panel",
        template="rapid_review_sent.html",
        title="Record the copy sent to the Panel",
        handler=rapid_review.record_sent_to_panel,
        roles=(Role.BUSINESS_TEAM,),
        done_title="Copy to the Panel recorded",
        next_steps=_after_copy,
    ),
    Workflow(
        path="/cases/{case_id}/rapid-review/closure",
        template="rapid_review_closure.html",
        title="Close the Rapid Review: criteria not met",
        handler=rapid_review.close,
        roles=TEAM_OR_CHAIR,
        done_title="Rapid Review closed",
        next_steps=_after_closure,
    ),
)

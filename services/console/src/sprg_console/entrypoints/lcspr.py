"""The LCSPR's forms on a case: factors, decision and methodology, milestones, publication."""

from __future__ import annotations

from sprg_console.domain.review_words import MILESTONES
from sprg_console.entrypoints.workflows import TEAM_OR_CHAIR, Workflow
from sprg_console.handlers import lcspr
from sprg_console.handlers.recording import Sent
from sprg_shared.auth import Role


def _after_factors(sent: Sent) -> list[str]:
    return [
        "The rules weigh the factors and recommend whether to commission an LCSPR, with "
        "their reasons: the recommendation shows under “Decisions and why” on the case "
        "within a few seconds.",
        "Commissioning a review is recommended, never mandatory: the safeguarding partners "
        "decide. Record their decision next.",
    ]


def _after_decision(sent: Sent) -> list[str]:
    if sent.get("decision") == "commission":
        return [
            "The LCSPR is commissioned: its completion deadline is counted from the decision "
            "and shows on the case and the worklist.",
            "Record its milestones as they happen: the reviewer appointed, the draft, the "
            "final report, and the report sent to the Panel and the Secretary of State.",
        ]
    return [
        "No LCSPR is commissioned: the decision and its reasons are kept on the case.",
        "If you have not told the Panel yet, do so: the date the Panel was told can be "
        "recorded with the decision.",
    ]


def _after_milestone(sent: Sent) -> list[str]:
    what = MILESTONES.get(sent.get("milestone"), "The milestone")
    return [
        f"Recorded: {what[0].lower() + what[1:]}.",
        "The LCSPR's deadlines on the case take it into account within a few seconds.",
    ]


def _after_publication(sent: Sent) -> list[str]:
    if sent.get("what") == "not_publishing":
        return ["The decision not to publish, and why, is kept on the case."]
    return [
        "Each agency involved whose press office is not yet told gets an e-mail to its SPRG "
        "member, copied to its press office, with the planned date of publication.",
        "Record the publication again when a press office has been told, or when it is published.",
    ]


WORKFLOWS = (
    Workflow(
        path="/cases/{case_id}/lcspr/factors",
        template="lcspr_factors.html",
        title="Record the factors for an LCSPR",
        handler=lcspr.record_factors,
        roles=TEAM_OR_CHAIR,
        done_title="LCSPR factors recorded",
        next_steps=_after_factors,
    ),
    Workflow(
        path="/cases/{case_id}/lcspr/decision",
        template="lcspr_decision.html",
        title="Record the decision on an LCSPR",
        handler=lcspr.decide,
        roles=TEAM_OR_CHAIR,
        done_title="LCSPR decision recorded",
        next_steps=_after_decision,
    ),
    Workflow(
        path="/cases/{case_id}/lcspr/milestones",
        template="lcspr_milestone.html",
        title="Record an LCSPR milestone",
        handler=lcspr.record_milestone,
        roles=(Role.BUSINESS_TEAM,),
        done_title="LCSPR milestone recorded",
        next_steps=_after_milestone,
    ),
    Workflow(
        path="/cases/{case_id}/lcspr/publication",
        template="lcspr_publication.html",
        title="Record the LCSPR's publication",
        handler=lcspr.record_publication,
        roles=TEAM_OR_CHAIR,
        done_title="LCSPR publication recorded",
        next_steps=_after_publication,
        ticked=("agencies", "press_offices"),
        needs_agencies=True,
        extra={"publication_choices": lcspr.PUBLICATION_CHOICES},
    ),
)

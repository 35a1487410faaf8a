"""Case of Concern triage and an escalation's stages, as forms on their pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sprg_console.domain.review_words import ESCALATION_STAGES
from sprg_console.entrypoints.routing import Signed
from sprg_console.entrypoints.workflows import Workflow
from sprg_console.handlers import triage
from sprg_console.handlers.recording import Sent
from sprg_shared.auth import Role

router = APIRouter(include_in_schema=False)


def _after_triage(sent: Sent) -> list[str]:
    what = sent.get("triage")
    if what == "list_for_meeting":
        return [
            "The Case of Concern is listed for the meeting you chose: it goes on that "
            "meeting's agenda.",
            "Record the approach the meeting agrees by triaging it again afterwards.",
        ]
    if what == "advice":
        return [
            "The advice is kept on the Case of Concern (encrypted, shown only to those entitled).",
            "Tell the referrer: the console does not send the advice for you.",
        ]
    return ["The Case of Concern stays untriaged until you record a decision."]


def _after_escalation(sent: Sent) -> list[str]:
    steps = []
    stage = sent.get("stage")
    if stage:
        steps.append(
            f"The escalation is now at {ESCALATION_STAGES.get(stage, 'the new stage')}: its "
            "response deadline is counted from the date the stage started."
        )
        if stage in ("3", "4", "5"):
            steps.append(
                "From Stage 3 the CSCP tracks it: the CSCP mailbox is told, and the SPRG "
                "oversees it until it is resolved."
            )
    if sent.get("resolved-year"):
        steps.append("The escalation is resolved: its deadlines stop.")
    if sent.get("copied-year"):
        steps.append("The copy to the CSCP mailbox is recorded.")
    return steps or ["The update is recorded on the escalation."]


WORKFLOWS = (
    Workflow(
        path="/cases-of-concern/{coc_id}/triage",
        template="coc_triage.html",
        title="Triage the Case of Concern",
        handler=triage.triage_case_of_concern,
        roles=(Role.BUSINESS_TEAM,),
        done_title="Triage recorded",
        next_steps=_after_triage,
    ),
    Workflow(
        path="/escalations/{escalation_id}/updates",
        template="escalation_update.html",
        title="Record the escalation's progress",
        handler=triage.update_escalation,
        roles=(Role.AGENCY_SUBMITTER, Role.BUSINESS_TEAM, Role.SPRG_MEMBER),
        done_title="Escalation updated",
        next_steps=_after_escalation,
    ),
)


@router.get("/cases-of-concern", response_class=HTMLResponse)
async def case_of_concern_list(request: Request, caller: Signed) -> Response:
    """Every Case of Concern, the untriaged first (before the generic subject lists)."""
    console = request.app.state.console
    view = await triage.cases_of_concern(console.deps, caller)
    page: Response = console.render(
        request,
        "coc_list.html",
        title="Cases of Concern",
        view=view,
        can_triage=caller.person.has(Role.BUSINESS_TEAM),
    )
    return page

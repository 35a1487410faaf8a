"""The rules service's HTTP routes (the service is composed in ``bootstrap``)."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request

from sprg_rules.domain.assess import to_contract
from sprg_rules.domain.decide import KINDS, to_output
from sprg_rules.domain.facts import AssessmentInput, derive_facts
from sprg_rules.domain.parsing import InputError, parse_assessment_input
from sprg_rules.entrypoints import admin_api
from sprg_rules.handlers import decisions as handlers
from sprg_shared.access import Caller, audit_read, reaches
from sprg_shared.service import from_state

Deps = Annotated[handlers.RulesDeps, Depends(from_state("deps"))]

EXAMPLE = {
    "case_id": "E1",
    "aware_date": "2026-04-02",
    "event": {
        "kind": "death",
        "date": "2026-04-01",
        "location": "in_area",
        "abuse_or_neglect": "suspected",
    },
    "children": [
        {
            "date_of_birth": "2022-02-22",
            "looked_after": False,
            "care_leaver": False,
            "normally_resident_in_area": True,
        }
    ],
}


def add_routes(app: FastAPI) -> None:
    """The routes; ``app.state`` holds ``deps`` and ``admin`` (bootstrap)."""

    @app.post(
        "/v1/assessments",
        tags=["assessments"],
        summary="What the law requires for this case, and by when (the sprg assess contract)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": AssessmentInput.model_json_schema(),
                        "example": EXAMPLE,
                    }
                },
            }
        },
        responses={422: {"description": "one line naming the field, as `sprg assess` says it"}},
    )
    async def assess(request: Request, deps: Deps, _: Caller) -> dict[str, Any]:
        # The same parser as the command line: the same one-line error for the same input.
        try:
            case = parse_assessment_input(await request.body())
        except InputError as exc:
            raise HTTPException(422, detail=" ".join(str(exc).split())) from exc
        result = await asyncio.to_thread(deps.evaluate, derive_facts(case))
        return to_contract(case.case_id, result)

    @app.get("/v1/decisions", tags=["decisions"], summary="Decisions for a case, with reasons")
    async def decisions(
        request: Request, case_id: str, deps: Deps, who: Caller
    ) -> list[dict[str, Any]]:
        """The case's decisions, then those on matters about it or named by this id
        (a Case of Concern, an escalation, a meeting). An agency reads only those of
        what concerns it (404 otherwise); every read is audited. Each of the case's decisions
        but the last names the one that superseded it (``superseded_by``): the history is kept."""
        granted = await reaches(request, who, case_id)
        await audit_read(request, who, case_id, granted=granted)
        if not granted:
            raise HTTPException(404, detail=f"no decisions for {case_id} that you may read")
        case = await deps.repo.for_case(case_id)
        for earlier, later in itertools.pairwise(case):
            earlier["superseded_by"] = later["_id"]
        return [*case, *await deps.subjects.for_subject(case_id)]

    @app.post(
        "/v1/decisions/{kind}",
        tags=["decisions"],
        summary="Decide a matter of the SPRG's work from its facts, with reasons and sources",
        description="kind: " + ", ".join(sorted(KINDS)) + ". The body is that kind's facts.",
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {}}}},
    )
    async def decide_matter(kind: str, request: Request, deps: Deps, _: Caller) -> dict[str, Any]:
        if kind not in KINDS:
            raise HTTPException(404, detail=f"no decision kind {kind!r}; kinds: {sorted(KINDS)}")
        try:
            facts = json.loads(await request.body())
        except json.JSONDecodeError as exc:
            raise HTTPException(422, detail=f"body: not JSON: {exc.msg}") from exc
        try:
            decided = await asyncio.to_thread(deps.decide_subject, kind, facts)
        except InputError as exc:
            raise HTTPException(422, detail=" ".join(str(exc).split())) from exc
        return to_output(decided)

    admin_api.add_routes(app)

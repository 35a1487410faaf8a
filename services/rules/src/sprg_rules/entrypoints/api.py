"""The rules service's HTTP entry point and consumer wiring."""

from __future__ import annotations

import asyncio
import itertools
import json
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request

from sprg_rules.bootstrap import SERVICE, build
from sprg_rules.domain.assess import to_contract
from sprg_rules.domain.decide import KINDS, to_output
from sprg_rules.domain.facts import AssessmentInput, derive_facts
from sprg_rules.domain.parsing import InputError, parse_assessment_input
from sprg_rules.entrypoints import admin_api
from sprg_rules.handlers import decisions as handlers
from sprg_rules.settings import RulesSettings
from sprg_shared import concerns, topics
from sprg_shared.access import Caller, audit_read, reaches
from sprg_shared.bus import Router
from sprg_shared.events import (
    CaseOfConcernReferred,
    CaseOfConcernTriaged,
    EscalationRecorded,
    IncidentCorrected,
    IncidentReported,
    LcsprDecided,
    LcsprFactorsRecorded,
    LcsprPublicationRecorded,
    MeetingAttendanceRecorded,
    RapidReviewClosed,
    SinSubmitted,
)
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service, from_state

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


async def _setup(
    app: FastAPI, runtime: Runtime, settings: RulesSettings, background: Background
) -> None:
    rules = build(runtime, settings)
    app.state.deps = rules.deps
    app.state.admin = rules.admin
    await rules.deps.repo.ensure_indexes()
    await rules.admin.store.ensure_indexes()
    await rules.deps.subjects.ensure_indexes()
    app.state.concerns = concerns.Concerns(runtime.db)
    await app.state.concerns.ensure_indexes()
    rules.watcher.start()
    runtime.closers.append(rules.watcher.stop)
    rules.calendar.start()
    runtime.closers.append(rules.calendar.stop)
    runtime.checks["calendar"] = rules.calendar.alive
    runtime.checks["rulepacks"] = lambda: rules.watcher.alive() and rules.watcher.caught_up.is_set()
    # Decide nothing until every activated pack is known: a case must not be judged
    # by the built-in pack while a newer one is in force.
    if not await asyncio.to_thread(rules.watcher.caught_up.wait, settings.pack_catch_up_seconds):
        raise RuntimeError(f"{topics.RULEPACKS} not read within {settings.pack_catch_up_seconds}s")
    if not await asyncio.to_thread(rules.calendar.caught_up.wait, settings.pack_catch_up_seconds):
        raise RuntimeError(f"{topics.CALENDAR} not read within {settings.pack_catch_up_seconds}s")
    router = Router()
    for event, handler in (
        (IncidentReported, handlers.on_incident_reported),
        (SinSubmitted, handlers.on_sin_submitted),
        (IncidentCorrected, handlers.on_incident_corrected),
        (RapidReviewClosed, handlers.on_rapid_review_closed),
        (LcsprDecided, handlers.on_lcspr_decided),
        (LcsprPublicationRecorded, handlers.on_publication_recorded),
        (LcsprFactorsRecorded, handlers.on_lcspr_factors),
        (CaseOfConcernReferred, handlers.on_coc_referred),
        (CaseOfConcernTriaged, handlers.on_coc_triaged),
        (EscalationRecorded, handlers.on_escalation),
        (MeetingAttendanceRecorded, handlers.on_attendance),
    ):
        router.on(event, partial(handler, deps=rules.deps))
    # Who each case concerns, for an agency's reads (sprg_shared.concerns).
    router.observe(concerns.EVENTS, app.state.concerns.note)
    runtime.consume(settings.consumer_group, [topics.INTAKE], router)


def create_app(settings: RulesSettings | None = None) -> FastAPI:
    app = build_service(
        service=SERVICE,
        title="SPRG rules",
        description="Statutory decisions from a versioned rule pack, each one explained.",
        load_settings=lambda: settings or RulesSettings(),
        setup=_setup,
    )

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
    return app

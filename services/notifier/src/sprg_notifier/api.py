"""The notifier's HTTP entry point (directory admin, delivery log) and consumer wiring."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query

from sprg_notifier import handlers
from sprg_notifier.bootstrap import SERVICE, build_deps
from sprg_notifier.domain.directory import Person
from sprg_notifier.settings import NotifierSettings
from sprg_shared.auth import Principal, Role
from sprg_shared.bus import Router
from sprg_shared.envelope import registered_types
from sprg_shared.runtime import Runtime
from sprg_shared.service import Background, build_service, state
from sprg_shared.web import require

Admin = Annotated[Principal, Depends(require(Role.BUSINESS_TEAM))]
Deps = Annotated[handlers.NotifierDeps, Depends(partial(state, name="deps"))]


async def _setup(
    app: FastAPI, runtime: Runtime, settings: NotifierSettings, background: Background
) -> None:
    deps = build_deps(runtime, settings)
    app.state.deps = deps
    await deps.repo.ensure_indexes()
    router = Router()
    models = [registered_types()[name] for name in sorted(deps.subscriptions.event_types())]
    for model in models:
        router.on(model, partial(handlers.on_event, deps=deps))
    runtime.consume(settings.consumer_group, sorted({m.TOPIC for m in models}), router)


def create_app(settings: NotifierSettings | None = None) -> FastAPI:
    app = build_service(
        service=SERVICE,
        title="SPRG notifier",
        description="The right people told, once, by e-mail.",
        load_settings=lambda: settings or NotifierSettings(),
        setup=_setup,
    )

    @app.put(
        "/v1/directory/people/{person_id}", tags=["directory"], summary="Add or replace a person"
    )
    async def put_person(person_id: str, person: Person, deps: Deps, _: Admin) -> Person:
        if person.person_id != person_id:
            raise HTTPException(422, detail="person_id in the path and the body differ")
        await deps.repo.put_person(person)
        return person

    @app.get("/v1/directory/people", tags=["directory"], summary="The directory")
    async def list_people(deps: Deps, _: Admin, role: str | None = None) -> list[Person]:
        return await deps.repo.people(role)

    @app.get(
        "/v1/deliveries", tags=["deliveries"], summary="What was sent, to whom, with what result"
    )
    async def deliveries(
        deps: Deps,
        _: Admin,
        case_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        return await deps.repo.deliveries(case_id, limit)

    return app

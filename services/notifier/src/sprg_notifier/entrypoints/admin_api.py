"""Routes: the directory and subscriptions (Business Team only) and the delivery log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request

from sprg_notifier.adapters.egress import UnsafeTarget, check_target
from sprg_notifier.domain.directory import ROLES, Agency, Person
from sprg_notifier.domain.subscriptions import Subscription, UnknownNameError, check
from sprg_notifier.handlers.events import NotifierDeps
from sprg_shared.access import Caller, audit_read


def _deps(request: Request) -> NotifierDeps:
    # Not shared.service.state: its `name` parameter would take a route's `{name}`.
    deps: NotifierDeps = request.app.state.deps
    return deps


Admin = Caller
Deps = Annotated[NotifierDeps, Depends(_deps)]
Status = Literal["pending", "sent", "failed", "queued", "digested"]


def add_routes(app: FastAPI) -> None:
    _directory(app)
    _subscriptions(app)
    _log(app)


def _same(path_id: str, body_id: str, what: str) -> None:
    if path_id != body_id:
        raise HTTPException(422, detail=f"{what} in the path and the body differ")


def _directory(app: FastAPI) -> None:
    @app.put("/v1/directory/people/{person_id}", tags=["directory"], summary="Add or replace")
    async def put_person(person_id: str, person: Person, deps: Deps, _: Admin) -> Person:
        _same(person_id, person.person_id, "person_id")
        if person.webhook_url is not None:
            try:
                await check_target(str(person.webhook_url), deps.webhook.allowed_origins)
            except UnsafeTarget as exc:
                raise HTTPException(422, detail=str(exc)) from exc
        await deps.repo.put_person(person)
        return person

    @app.get("/v1/directory/people", tags=["directory"], summary="The directory")
    async def list_people(deps: Deps, _: Admin, role: str | None = None) -> list[Person]:
        return await deps.repo.people(role)

    @app.get("/v1/directory/people/{person_id}", tags=["directory"], summary="One person")
    async def get_person(person_id: str, deps: Deps, _: Admin) -> Person:
        person = await deps.repo.person(person_id)
        if person is None:
            raise HTTPException(404, detail=f"no person {person_id}")
        return person

    @app.put("/v1/directory/agencies/{agency_id}", tags=["directory"], summary="Add or replace")
    async def put_agency(agency_id: str, agency: Agency, deps: Deps, _: Admin) -> Agency:
        _same(agency_id, agency.agency_id, "agency_id")
        await deps.repo.put_agency(agency)
        return agency

    @app.get("/v1/directory/agencies", tags=["directory"], summary="The agencies")
    async def list_agencies(deps: Deps, _: Admin) -> list[Agency]:
        return await deps.repo.agencies()

    @app.get("/v1/directory/roles", tags=["directory"], summary="The roles one can address")
    async def roles(_: Admin) -> dict[str, str]:
        return ROLES


def _subscriptions(app: FastAPI) -> None:
    @app.get("/v1/subscriptions", tags=["subscriptions"], summary="Who is told about what")
    async def list_subscriptions(deps: Deps, _: Admin) -> list[Subscription]:
        return await deps.repo.subscriptions()

    @app.get("/v1/subscriptions/{name}", tags=["subscriptions"], summary="One subscription")
    async def get_subscription(name: str, deps: Deps, _: Admin) -> Subscription:
        found = await deps.repo.subscription(name)
        if found is None:
            raise HTTPException(404, detail=f"no subscription {name}")
        return found

    @app.put("/v1/subscriptions/{name}", tags=["subscriptions"], summary="Add or replace")
    async def put_subscription(
        name: str, subscription: Subscription, deps: Deps, _: Admin
    ) -> Subscription:
        _same(name, subscription.name, "name")
        try:
            check(subscription, deps.templates.names())
        except UnknownNameError as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        await deps.repo.put_subscription(subscription)
        return subscription


def _log(app: FastAPI) -> None:
    @app.get("/v1/deliveries", tags=["deliveries"], summary="What was sent to whom, and how")
    async def deliveries(
        request: Request,
        deps: Deps,
        who: Admin,
        case_id: str | None = None,
        recipient: Annotated[str | None, Query(description="the receiving person_id")] = None,
        result: Status | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        await audit_read(request, who, case_id, granted=True)
        return await deps.repo.deliveries(
            case_id=case_id, person_id=recipient, status=result, limit=limit
        )

    @app.get("/v1/digests", tags=["deliveries"], summary="Daily digests sent, newest first")
    async def digests(
        deps: Deps,
        _: Admin,
        recipient: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        return await deps.repo.digests(recipient, limit)

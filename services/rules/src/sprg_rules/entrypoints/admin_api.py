"""HTTP for the rule pack lifecycle (rules admin role only)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from sprg_rules.adapters.pack_store import VersionConflict
from sprg_rules.handlers import packs as admin
from sprg_shared.access import Caller
from sprg_shared.service import from_state

MAX_PACK_BYTES = 1_000_000
RulesAdmin = Caller
Admin = Annotated[admin.AdminDeps, Depends(from_state("admin"))]
Reason = Annotated[str, Body(embed=True, min_length=3, max_length=500)]
YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string"}}},
    }
}


async def _pack_text(request: Request) -> str:
    raw = await request.body()
    if len(raw) > MAX_PACK_BYTES:
        raise HTTPException(413, detail=f"a rule pack is at most {MAX_PACK_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(422, detail="a rule pack must be UTF-8 text") from exc


def add_routes(app: FastAPI) -> None:
    app.add_exception_handler(admin.PackRejected, _status(422))
    app.add_exception_handler(admin.PackNotFound, _status(404))
    app.add_exception_handler(admin.NothingToRollBack, _status(409))
    app.add_exception_handler(
        VersionConflict, _status(409, "that version exists with other content: ")
    )
    tags: list[str | Enum] = ["rule packs"]

    @app.post(
        "/v1/rulepacks",
        tags=tags,
        status_code=201,
        openapi_extra=YAML_BODY,
        summary="Upload a pack: validated, compiled and its golden cases run",
    )
    async def upload(request: Request, deps: Admin, who: RulesAdmin) -> dict[str, Any]:
        return await admin.upload(await _pack_text(request), who, deps)

    @app.post(
        "/v1/rulepacks/diff",
        tags=tags,
        openapi_extra=YAML_BODY,
        summary="Dry-run a pack against every case decided so far",
    )
    async def diff(request: Request, deps: Admin, _: RulesAdmin) -> dict[str, Any]:
        return await admin.diff(await _pack_text(request), deps)

    @app.post(
        "/v1/rulepacks/{pack_id}/{version}/activate",
        tags=tags,
        summary="Put an uploaded version in force on every replica",
    )
    async def activate(
        pack_id: str, version: str, reason: Reason, deps: Admin, who: RulesAdmin
    ) -> dict[str, Any]:
        return await admin.activate(pack_id, version, who, reason, deps)

    @app.post(
        "/v1/rulepacks/{pack_id}/rollback",
        tags=tags,
        summary="Withdraw the latest active version; the previous one is in force again",
    )
    async def rollback(
        pack_id: str, reason: Reason, deps: Admin, who: RulesAdmin
    ) -> dict[str, Any]:
        return await admin.rollback(pack_id, who, reason, deps)

    @app.get("/v1/rulepacks", tags=tags, summary="Uploaded packs and which versions are active")
    async def listing(deps: Admin, _: RulesAdmin) -> list[dict[str, Any]]:
        return await admin.listing(deps)

    @app.get("/v1/rulepacks/{pack_id}/{version}", tags=tags, summary="One version, with its text")
    async def show(pack_id: str, version: str, deps: Admin, _: RulesAdmin) -> dict[str, Any]:
        doc = await deps.store.get(pack_id, version)
        if doc is None:
            raise admin.PackNotFound(f"{pack_id}@{version} was never uploaded")
        history = await deps.store.history(pack_id)
        return {**doc, "history": [h for h in history if h["version"] == version]}


def _status(code: int, prefix: str = ""):  # type: ignore[no-untyped-def]
    async def handler(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": prefix + str(exc)}, status_code=code)

    return handler

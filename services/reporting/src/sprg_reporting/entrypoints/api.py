"""Reporting's HTTP routes (the service is composed in ``bootstrap``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from sprg_reporting.adapters.ports import ReadModelStore
from sprg_reporting.domain.periods import KINDS, BadPeriod, ReportKind
from sprg_reporting.domain.report import Report
from sprg_reporting.entrypoints import render
from sprg_reporting.handlers import read_models as handlers
from sprg_shared.access import Caller, audit_read
from sprg_shared.service import from_state

# The caller as the access matrix admits them (``sprg_shared.access.MATRIX["reporting"]``):
# a reader of counts and reports; the Business Team, the only role that produces a report.
Reader = Caller
BusinessTeam = Caller
MAX_CASES_AT_ONCE = 500
Models = Annotated[ReadModelStore, Depends(from_state("models"))]
Publish = Annotated[Any, Depends(from_state("publish"))]
Today = Annotated[Callable[[], date], Depends(from_state("today"))]


async def _report(models: ReadModelStore, kind: str, period: str, today: date) -> Report:
    try:
        return await handlers.build_report(models, kind, period, as_of=today)
    except BadPeriod as exc:
        raise HTTPException(404, detail=str(exc)) from exc


def add_routes(app: FastAPI) -> None:
    """The routes; ``app.state`` holds ``models``, ``publish`` and ``today`` (bootstrap)."""

    @app.get("/v1/summary", tags=["reports"], summary="Counts across every case")
    async def summary(models: Models, _: Reader) -> dict[str, int]:
        return await models.summary()

    @app.get(
        "/v1/cases/{case_id}", tags=["reports"], summary="One case's read model (no personal data)"
    )
    async def case(request: Request, case_id: str, models: Models, who: Reader) -> dict[str, Any]:
        found = await models.case(case_id)
        await audit_read(request, who, case_id, granted=found is not None)
        if found is None:
            raise HTTPException(404, detail=f"no case {case_id} in the read model yet")
        return found

    @app.get(
        "/v1/cases",
        tags=["reports"],
        summary="Many cases' read models at once (no personal data); unknown ids are left out",
    )
    async def cases(
        request: Request,
        models: Models,
        who: Reader,
        ids: Annotated[
            str, Query(min_length=1, max_length=20_000, description="case ids, comma-separated")
        ],
    ) -> list[dict[str, Any]]:
        wanted = sorted({i for i in ids.split(",") if i})
        if not wanted or len(wanted) > MAX_CASES_AT_ONCE:
            raise HTTPException(
                422, detail=f"ids: give 1 to {MAX_CASES_AT_ONCE} case ids, comma-separated"
            )
        found = await models.cases(wanted)
        for doc in found:
            await audit_read(request, who, str(doc["_id"]), granted=True)
        return found

    @app.post(
        "/v1/reports/{kind}/{period}",
        tags=["reports"],
        summary="Produce a report, keep it and announce it on sprg.reports",
    )
    async def produce(
        kind: str, period: str, models: Models, publish: Publish, today: Today, _: BusinessTeam
    ) -> dict[str, Any]:
        try:
            produced = await handlers.produce_report(models, publish, kind, period, as_of=today())
        except BadPeriod as exc:
            raise HTTPException(404, detail=str(exc)) from exc
        return produced.announcement.model_dump(mode="json")

    @app.get(
        "/v1/reports/latest/{kind}",
        tags=["reports"],
        summary="The latest produced report of a kind (a redirect to its page)",
    )
    async def latest(kind: ReportKind, models: Models, _: Reader) -> RedirectResponse:
        found = await models.latest_report(kind)
        if found is None:
            raise HTTPException(404, detail=f"no {kind} report produced yet; kinds: {KINDS}")
        return RedirectResponse(found["path"], status_code=307)

    @app.get("/v1/reports/{kind}/{period}", tags=["reports"], summary="A report (JSON)")
    async def report_json(
        kind: str, period: str, models: Models, today: Today, _: Reader
    ) -> Report:
        return await _report(models, kind, period, today())

    @app.get(
        "/v1/reports/{kind}/{period}/report.html",
        tags=["reports"],
        summary="A report as a page (charts as SVG)",
        response_class=HTMLResponse,
    )
    async def report_html(
        kind: str, period: str, models: Models, today: Today, _: Reader
    ) -> HTMLResponse:
        report = await _report(models, kind, period, today())
        return HTMLResponse(render.html(report, base=f"/v1/reports/{kind}/{period}"))

    @app.get(
        "/v1/reports/{kind}/{period}/{table}.csv",
        tags=["reports"],
        summary="One of a report's tables as CSV",
        response_class=PlainTextResponse,
    )
    async def report_csv(
        kind: str, period: str, table: str, models: Models, today: Today, _: Reader
    ) -> PlainTextResponse:
        report = await _report(models, kind, period, today())
        if table not in {t.name for t in report.tables}:
            raise HTTPException(404, detail=f"no table {table!r} in {report.report_id}")
        return PlainTextResponse(
            render.table_csv(report, table),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{period}-{table}.csv"'},
        )

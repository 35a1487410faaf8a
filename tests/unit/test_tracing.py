"""One trace id per case: HTTP requests continue the caller's W3C trace, log lines carry it,
and the optional OpenTelemetry export makes the same ids into exported spans."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from sprg_shared import otel, tracing
from sprg_shared.logs import JsonFormatter
from sprg_shared.web import create_app

PARENT = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"


@contextlib.asynccontextmanager
async def nothing(app: FastAPI) -> AsyncIterator[None]:
    yield


async def all_ready() -> dict[str, bool]:
    return {"store": True}


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("test"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def client() -> httpx.AsyncClient:
    app = create_app(
        service="test",
        title="t",
        version="1",
        registry=CollectorRegistry(),
        readiness=lambda app: all_ready,
        lifespan=nothing,
    )

    @app.get("/v1/things/{thing}")
    async def thing(thing: str) -> dict[str, str | None]:
        logging.getLogger("test.route").info("looking", extra={"thing": thing})
        return {"traceparent": tracing.current()}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def lines(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_a_request_continues_the_callers_trace_and_its_log_lines_carry_it(
    logged: io.StringIO,
) -> None:
    async with client() as http:
        answer = await http.get("/v1/things/7", headers={"traceparent": PARENT})
    returned = answer.headers["traceparent"]
    assert tracing.trace_id(returned) == "a" * 32
    assert tracing.span_id(returned) != "b" * 16  # a span of its own, child of the caller's
    assert answer.json()["traceparent"] == returned  # what the handler publishes with
    ours = [line for line in lines(logged) if line.get("logger") == "test.route"]
    assert ours and ours[0]["trace_id"] == "a" * 32
    handled = [line for line in lines(logged) if line["message"] == "request handled"]
    assert handled[0]["route"] == "/v1/things/{thing}"
    assert handled[0]["trace_id"] == "a" * 32


async def test_a_request_without_a_traceparent_starts_a_trace() -> None:
    async with client() as http:
        first = (await http.get("/v1/things/1")).headers["traceparent"]
        second = (await http.get("/v1/things/1")).headers["traceparent"]
    assert tracing.trace_id(first) and tracing.trace_id(second)
    assert tracing.trace_id(first) != tracing.trace_id(second)


async def test_off_by_default_and_when_on_the_logged_ids_are_the_exported_spans() -> None:
    assert otel.configure("test", "none") is None
    exported = InMemorySpanExporter()
    provider = otel.install("test", SimpleSpanProcessor(exported))
    try:
        async with client() as http:
            returned = (await http.get("/v1/things/7", headers={"traceparent": PARENT})).headers[
                "traceparent"
            ]
    finally:
        tracing.use_spans(None)
        provider.shutdown()
    (span,) = exported.get_finished_spans()
    assert span.name == "GET /v1/things/{thing}"
    assert f"{span.context.trace_id:032x}" == "a" * 32
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "b" * 16
    assert tracing.span_id(returned) == f"{span.context.span_id:016x}"
    with tracing.span("after", PARENT, "consumer") as plain:  # export off again: ids only
        assert tracing.trace_id(plain) == "a" * 32
    assert len(exported.get_finished_spans()) == 1

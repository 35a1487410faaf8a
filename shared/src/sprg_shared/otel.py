"""OpenTelemetry, optional and off by default: spans exported where an operator wants them.

``SPRG_OTEL_EXPORTER`` = ``none`` (default), ``otlp`` (OTLP over HTTP; the endpoint from the
standard ``OTEL_EXPORTER_OTLP_ENDPOINT``, default http://localhost:4318) or ``console``.
When on, each HTTP request and each consumed event is a span, child of the W3C
``traceparent`` it came with; its ids are the ones logged and passed on. When off,
``sprg_shared.tracing`` makes the ids itself and nothing is exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from sprg_shared import tracing

__all__ = ["Exporter", "configure", "exporter_for", "install"]

Exporter = Literal["none", "otlp", "console"]
_PROPAGATOR = TraceContextTextMapPropagator()


def exporter_for(name: Exporter) -> SpanExporter | None:
    if name == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        return OTLPSpanExporter()
    if name == "console":
        return ConsoleSpanExporter()
    return None


def configure(service: str, name: Exporter) -> TracerProvider | None:
    """Export spans with ``name``'s exporter; nothing (and no SDK state) when ``none``."""
    exporter = exporter_for(name)
    if exporter is None:
        tracing.use_spans(None)
        return None
    return install(service, BatchSpanProcessor(exporter))


def install(service: str, processor: SpanProcessor) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": f"sprg-{service}"}))
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("sprg_shared")

    @contextmanager
    def span(name: str, parent: str | None, kind: tracing.Kind) -> Iterator[str]:
        context = _PROPAGATOR.extract({"traceparent": parent} if parent else {})
        span_kind = SpanKind.SERVER if kind == "server" else SpanKind.CONSUMER
        with tracer.start_as_current_span(name, context=context, kind=span_kind) as current:
            carrier: dict[str, str] = {}
            _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(current))
            yield carrier["traceparent"]

    tracing.use_spans(span)
    return provider

"""Metrics on an explicit registry per service, named ``sprg_<service>_...``."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["BusMetrics", "HttpMetrics", "bus_metrics", "http_metrics"]


@dataclass(frozen=True)
class BusMetrics:
    consumed: Counter
    produced: Counter
    retried: Counter
    dead_lettered: Counter
    handler_seconds: Histogram
    lag: Gauge


@dataclass(frozen=True)
class HttpMetrics:
    requests: Counter
    seconds: Histogram


def bus_metrics(registry: CollectorRegistry, service: str) -> BusMetrics:
    p = f"sprg_{service}"
    return BusMetrics(
        consumed=Counter(
            f"{p}_events_consumed",
            "Events consumed, by topic and outcome",
            ["topic", "outcome"],
            registry=registry,
        ),
        produced=Counter(
            f"{p}_events_produced", "Events produced, by topic", ["topic"], registry=registry
        ),
        retried=Counter(
            f"{p}_events_retried", "Handler retries, by topic", ["topic"], registry=registry
        ),
        dead_lettered=Counter(
            f"{p}_events_dead_lettered",
            "Messages sent to the dead-letter topic, by topic",
            ["topic"],
            registry=registry,
        ),
        handler_seconds=Histogram(
            f"{p}_handler_seconds",
            "Time to handle one event, by topic",
            ["topic"],
            registry=registry,
        ),
        lag=Gauge(
            f"{p}_consumer_lag",
            "Messages behind the end of the partition, by consumer group, topic and partition",
            ["group", "topic", "partition"],
            registry=registry,
        ),
    )


def http_metrics(registry: CollectorRegistry, service: str) -> HttpMetrics:
    p = f"sprg_{service}"
    return HttpMetrics(
        requests=Counter(
            f"{p}_http_requests",
            "HTTP requests, by route, method and status",
            ["route", "method", "status"],
            registry=registry,
        ),
        seconds=Histogram(
            f"{p}_http_request_seconds",
            "HTTP request latency, by route and method",
            ["route", "method"],
            registry=registry,
        ),
    )

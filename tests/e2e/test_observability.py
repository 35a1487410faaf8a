"""What the operations team relies on, read from the five services running for real.

Every metric a Grafana dashboard or a Prometheus alert queries is on some service's
/metrics (as served, not as written in the source).
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import service_env
from tests.e2e.stack import SERVICES, running_stack
from tests.promql import alert_queries, dashboard_queries, exposed_names, selectors
from tests.servers import Servers

pytestmark = pytest.mark.e2e

# Series Prometheus makes itself for every target.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}


def test_every_metric_the_dashboards_and_alerts_query_is_exported(
    servers: Servers, run_id: str, pii_key: str
) -> None:
    env = service_env(servers, run_id, pii_key)
    with running_stack(env, f"metrics-{run_id}") as stack:
        pages = {s: httpx.get(stack.url(s, "/metrics"), timeout=10).text for s in SERVICES}
    exported = {service: exposed_names(page) for service, page in pages.items()}
    everything = set().union(*exported.values()) | PROMETHEUS_OWN

    for service, names in exported.items():
        foreign = {
            n for n in names if n.startswith("sprg_") and not n.startswith(f"sprg_{service}_")
        }
        assert not foreign, f"{service} exports another service's names: {sorted(foreign)}"
    # The rules service reports the pack it applies (the shipped one at least).
    assert re.search(r'sprg_rules_active_pack_info\{[^}]*latest="true"[^}]*\} 1\.0', pages["rules"])

    queries = {**dashboard_queries(), **alert_queries()}
    assert len(queries) > 20
    for where, expr in queries.items():
        found = selectors(expr)
        assert found.names or found.patterns, f"{where}: reads no metric? {expr}"
        # kafka_*: the broker's own metrics, from its JMX exporter, not from a service
        # (tests/integration/test_broker_metrics.py checks them on a real broker).
        missing = {n for n in found.names - everything if not n.startswith("kafka_")}
        assert not missing, f"{where} queries {sorted(missing)}, which no service exports"
        for pattern in found.patterns:
            for service, names in exported.items():
                # A selector across services (sprg_.+_...) must find each service's series.
                assert any(re.fullmatch(pattern, n) for n in names), (
                    f"{where}: {pattern!r} matches nothing {service} exports"
                )

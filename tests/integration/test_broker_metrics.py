"""The Kafka broker's own health reaches Prometheus: a real broker started as `make run` starts
it (deploy/local/infra.sh with SPRG_KAFKA_METRICS_PORT: the Prometheus JMX exporter agent,
fetched by Maven, with deploy/prometheus/kafka-jmx.yml) exports every broker series the alerts
and the operator's records read."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid

import httpx

from tests.e2e.stack import free_port
from tests.promql import alert_queries, exposed_names, selectors
from tests.servers import REPO

INFRA = REPO / "deploy" / "local" / "infra.sh"


def test_a_broker_started_like_make_run_exports_what_the_broker_alerts_read() -> None:
    metrics_port = free_port()
    # Its own data under the repository's test folder: the store's PostgreSQL runs as the
    # postgres user, who cannot enter pytest's private temporary folders.
    local = REPO / ".local" / "test" / f"broker-metrics-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "SPRG_LOCAL_DIR": str(local),
        "SPRG_KEYCLOAK": "0",  # the broker is what this test is about
        "SPRG_KAFKA_PORT": str(free_port()),
        "SPRG_KAFKA_CONTROLLER_PORT": str(free_port()),
        "SPRG_MONGO_PORT": str(free_port()),
        "SPRG_KAFKA_METRICS_PORT": str(metrics_port),
    }
    started = subprocess.run(
        [str(INFRA), "start"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        page = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30).text
    finally:
        subprocess.run(
            [str(INFRA), "reset"], env=env, capture_output=True, timeout=120, check=False
        )
        shutil.rmtree(local, ignore_errors=True)

    wanted = {
        name
        for expr in alert_queries().values()
        for name in selectors(expr).names
        if name.startswith("kafka_")
    }
    assert {
        "kafka_server_replicamanager_underreplicatedpartitions",
        "kafka_controller_kafkacontroller_offlinepartitionscount",
        "kafka_network_requestmetrics_totaltimems",
    } <= wanted
    missing = wanted - exposed_names(page)
    assert not missing, f"the broker does not export {sorted(missing)}"
    # One healthy node: nothing under-replicated, nothing offline; produce latency is measured.
    assert re.search(
        r"^kafka_server_replicamanager_underreplicatedpartitions(\{[^}]*\})? 0\.0$", page, re.M
    )
    assert re.search(
        r"^kafka_controller_kafkacontroller_offlinepartitionscount(\{[^}]*\})? 0\.0$", page, re.M
    )
    produce = r'^kafka_network_requestmetrics_totaltimems\{quantile="0\.99",request="Produce"\} \d'
    assert re.search(produce, page, re.M)

"""deploy/k8s is valid offline: built-in kinds against the Kubernetes schemas
(kubernetes-validate), the operators' resources against their CRDs where those can be
had (Prometheus Operator, MongoDB Community Operator; Strimzi's cannot: see below), and
the manifests agree with the code (ports, probes, topics, alerts)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from sprg_shared.topics import TOPICS
from tests.k8s_render import (
    CRD_FILES,
    CRDS,
    Doc,
    kafka_metrics_config,
    prometheus_rule,
    render,
)

SERVICES = {"intake": 8001, "rules": 8002, "scheduler": 8003, "notifier": 8004, "reporting": 8005}
CONSUMERS = {"rules", "scheduler", "notifier", "reporting"}
# Strimzi publishes its CRDs only in its GitHub releases, which this machine cannot reach
# (no registry carries them): its resources are checked by the assertions below only.
UNCHECKED_GROUPS = {"kafka.strimzi.io"}


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    return render()


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def group_of(doc: Doc) -> str:
    return str(doc["apiVersion"]).rpartition("/")[0]


def test_every_built_in_resource_is_valid_against_the_kubernetes_schemas(docs: list[Doc]) -> None:
    built_in = [d for d in docs if "." not in group_of(d)]
    assert {d["kind"] for d in built_in} >= {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ConfigMap",
        "Namespace",
    }
    for doc in built_in:
        try:
            kubernetes_validate.validate(doc, latest_version(), strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message} at {exc.path}")


def _closed(schema: Any) -> Any:
    """The CRD schema with unknown fields refused, as the API server prunes them silently."""
    if isinstance(schema, dict):
        closed = {k: _closed(v) for k, v in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            closed["additionalProperties"] = False
        return closed
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


def crd_schema(group: str, kind: str, version: str) -> dict[str, Any]:
    path = CRDS / CRD_FILES[(group, kind)]
    assert path.exists(), f"{path} is missing: run deploy/local/tools.sh (make test does)"
    crd = yaml.safe_load(path.read_text())
    for served in crd["spec"]["versions"]:
        if served["name"] == version:
            return dict(_closed(served["schema"]["openAPIV3Schema"]))
    raise AssertionError(f"{kind} CRD has no version {version}")


def test_operator_resources_are_valid_against_their_crds(docs: list[Doc]) -> None:
    custom = [d for d in docs if "." in group_of(d)]
    checked = set()
    for doc in custom:
        group, _, version = str(doc["apiVersion"]).rpartition("/")
        if group in UNCHECKED_GROUPS:
            continue
        schema = crd_schema(group, doc["kind"], version)
        metadata_free = {k: v for k, v in doc.items() if k != "metadata"}
        errors = sorted(
            jsonschema.Draft7Validator(schema).iter_errors(metadata_free), key=lambda e: e.path
        )
        assert not errors, f"{doc['kind']}/{doc['metadata']['name']}: " + "; ".join(
            f"{'.'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
        )
        checked.add(doc["kind"])
    assert checked == {"ServiceMonitor", "PodMonitor", "PrometheusRule", "MongoDBCommunity"}


def test_a_crd_check_refuses_a_misspelt_field() -> None:
    schema = crd_schema("monitoring.coreos.com", "ServiceMonitor", "v1")
    bad: Doc = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor"}
    bad["spec"] = {"selector": {}, "endpoints": [{"port": "http", "intervall": "15s"}]}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_each_service_has_a_deployment_with_probes_and_resources_and_a_service(
    docs: list[Doc],
) -> None:
    deployments, services = of_kind(docs, "Deployment"), of_kind(docs, "Service")
    assert set(deployments) == set(SERVICES) | {"console"} == set(services)
    for name, port in SERVICES.items():
        pod = deployments[name]["spec"]["template"]
        assert deployments[name]["spec"]["selector"]["matchLabels"].items() <= (
            pod["metadata"]["labels"].items()
        )
        assert services[name]["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
        (container,) = pod["spec"]["containers"]
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert "memory" in container["resources"]["limits"]
        env = {e["name"]: e for e in container["env"]}
        assert env[f"SPRG_{name.upper()}_HTTP_PORT"]["value"] == str(port)
        assert env[f"SPRG_{name.upper()}_HTTP_HOST"]["value"] == "0.0.0.0"
        assert "SPRG_JWT_SECRET" not in env, "tokens are verified by the provider's keys"
        assert "valueFrom" in env["MONGODB_URL"]
        assert container["image"] == f"sprg/{name}:latest"


def test_the_console_runs_replicated_with_its_secrets_from_secrets_and_sessions_in_the_store(
    docs: list[Doc],
) -> None:
    console = of_kind(docs, "Deployment")["console"]
    assert console["spec"]["replicas"] >= 2, "its sessions are in the store, shared"
    (container,) = console["spec"]["template"]["spec"]["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = {e["name"]: e for e in container["env"]}
    for secret in (
        "SPRG_CONSOLE_OIDC_CLIENT_SECRET",
        "SPRG_CONSOLE_SESSION_SECRET",
        "SPRG_CONSOLE_SESSION_KEY",
        "MONGODB_URL",
    ):
        assert "valueFrom" in env[secret], "secrets come from Secrets, never values"
    assert "KAFKA_BOOTSTRAP_SERVERS" not in env, "it reads no bus"
    assert env["SPRG_CONSOLE_SECURE_COOKIES"]["value"] == "true"
    assert container["image"] == "sprg/console:latest"


def test_consumers_autoscale_within_their_partitions_and_every_service_has_a_pdb(
    docs: list[Doc],
) -> None:
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == CONSUMERS
    partitions = min(t.partitions for t in TOPICS if t.partitions > 1)
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"]["name"] == name
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions
    pdbs = of_kind(docs, "PodDisruptionBudget")
    assert set(pdbs) == set(SERVICES)


def test_prometheus_operator_scrapes_every_service_and_alerts_as_compose_does(
    docs: list[Doc],
) -> None:
    (monitor,) = of_kind(docs, "ServiceMonitor").values()
    wanted = monitor["spec"]["selector"]["matchLabels"].items()
    selected = {
        n for n, s in of_kind(docs, "Service").items() if wanted <= s["metadata"]["labels"].items()
    }
    assert selected == set(SERVICES) | {"console"}
    assert {e["port"] for e in monitor["spec"]["endpoints"]} == {"http"}
    (rule,) = of_kind(docs, "PrometheusRule").values()
    assert rule["spec"] == prometheus_rule()["spec"], (
        "regenerate: python -m tests.k8s_render --write-prometheusrule"
    )


def test_strimzi_topics_and_cluster_match_what_the_code_expects(docs: list[Doc]) -> None:
    topics = {d["spec"]["topicName"]: d for d in of_kind(docs, "KafkaTopic").values()}
    assert set(topics) == {t.name for t in TOPICS}
    for spec in TOPICS:
        declared = topics[spec.name]
        assert declared["spec"]["partitions"] == spec.partitions, spec.name
        assert declared["metadata"]["labels"]["strimzi.io/cluster"] == "sprg"
        for key, value in spec.config.items():
            assert declared["spec"]["config"][key] == value, (spec.name, key)
    (kafka,) = of_kind(docs, "Kafka").values()
    config = of_kind(docs, "ConfigMap")["sprg-config"]
    bootstrap = f"{kafka['metadata']['name']}-kafka-bootstrap:9092"
    assert config["data"]["KAFKA_BOOTSTRAP_SERVERS"] == bootstrap
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    assert kafka["spec"]["kafka"]["config"]["min.insync.replicas"] == 2
    pools = of_kind(docs, "KafkaNodePool").values()
    assert all(p["metadata"]["labels"]["strimzi.io/cluster"] == "sprg" for p in pools)


def test_the_brokers_own_metrics_are_exported_with_the_shared_rules_and_scraped_as_job_kafka(
    docs: list[Doc],
) -> None:
    (kafka,) = of_kind(docs, "Kafka").values()
    metrics = kafka["spec"]["kafka"]["metricsConfig"]
    assert metrics["type"] == "jmxPrometheusExporter"
    ref = metrics["valueFrom"]["configMapKeyRef"]
    config = of_kind(docs, "ConfigMap")[ref["name"]]
    assert config["data"] == kafka_metrics_config()["data"], (
        "regenerate: python -m tests.k8s_render --write-prometheusrule"
    )
    assert ref["key"] in config["data"]
    (monitor,) = of_kind(docs, "PodMonitor").values()
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector["strimzi.io/cluster"] == kafka["metadata"]["name"]
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "tcp-prometheus"  # Strimzi's name for the exporter's 9404
    labels = {r["targetLabel"]: r["replacement"] for r in endpoint["relabelings"]}
    assert labels == {"job": "kafka", "service": "kafka"}  # what the sprg-broker alerts expect


def test_services_read_the_connection_string_secret_the_mongodb_operator_writes(
    docs: list[Doc],
) -> None:
    (mongo,) = of_kind(docs, "MongoDBCommunity").values()
    (user,) = mongo["spec"]["users"]
    secret = user["connectionStringSecretName"]
    assert re.fullmatch(r"[a-z0-9-]+", secret)
    deployments = of_kind(docs, "Deployment")
    for name in (*SERVICES, "console"):  # the console keeps its sessions there
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        url = next(e for e in container["env"] if e["name"] == "MONGODB_URL")
        assert url["valueFrom"]["secretKeyRef"] == {
            "name": secret,
            "key": "connectionString.standard",
        }

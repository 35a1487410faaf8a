"""Render ``deploy/k8s`` as ``kustomize build`` would, for the features it uses, offline.

Supported: ``resources`` (files, or folders with a kustomization), ``namespace``,
``labels`` (without selectors) and ``images`` (newName/newTag). Anything else in a
kustomization is refused, so the renderer cannot silently drift from kustomize.

``python -m tests.k8s_render --write-prometheusrule`` regenerates
``deploy/k8s/monitoring/prometheusrule.yaml`` from ``deploy/prometheus/alerts.yml`` and
``deploy/k8s/kafka/metrics-config.yaml`` from ``deploy/prometheus/kafka-jmx.yml``.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
CRDS = ROOT / ".local" / "crds" / "github.com"
# The operators' CRDs, from their Go modules (deploy/local/tools.sh fetches the same versions).
CRD_FILES = {
    ("monitoring.coreos.com", "ServiceMonitor"): "prometheus-operator/prometheus-operator@v0.85.0/"
    "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
    ("monitoring.coreos.com", "PrometheusRule"): "prometheus-operator/prometheus-operator@v0.85.0/"
    "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
    ("monitoring.coreos.com", "PodMonitor"): "prometheus-operator/prometheus-operator@v0.85.0/"
    "example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml",
    ("mongodbcommunity.mongodb.com", "MongoDBCommunity"): "mongodb/mongodb-kubernetes-operator"
    "@v0.13.0/config/crd/bases/mongodbcommunity.mongodb.com_mongodbcommunity.yaml",
}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
SUPPORTED = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}

Doc = dict[str, Any]


class NotSupported(ValueError):
    pass


def render(folder: Path = K8S) -> list[Doc]:
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise NotSupported(f"{folder}: kustomization fields this renderer lacks: {sorted(unknown)}")
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = folder / entry
        if path.is_dir():
            docs.extend(render(path))
        else:
            docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    docs = [copy.deepcopy(d) for d in docs]
    for doc in docs:
        meta = doc.setdefault("metadata", {})
        if "namespace" in kustomization and doc["kind"] not in CLUSTER_SCOPED:
            meta["namespace"] = kustomization["namespace"]
        for group in kustomization.get("labels", []):
            if group.get("includeSelectors") or group.get("includeTemplates"):
                raise NotSupported("labels with includeSelectors/includeTemplates")
            meta.setdefault("labels", {}).update(group["pairs"])
        _set_images(doc, kustomization.get("images", []))
    return docs


def _set_images(doc: Doc, images: list[dict[str, str]]) -> None:
    pod = doc.get("spec", {}).get("template", {}).get("spec", {})
    for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
        name = container["image"].split(":")[0]
        for image in images:
            if image["name"] == name:
                tag = image.get("newTag")
                container["image"] = image.get("newName", name) + (f":{tag}" if tag else "")


def prometheus_rule() -> Doc:
    alerts = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "sprg-alerts", "labels": {"role": "alert-rules"}},
        "spec": {"groups": alerts["groups"]},
    }


KAFKA_JMX = ROOT / "deploy" / "prometheus" / "kafka-jmx.yml"


def kafka_metrics_config() -> Doc:
    """The broker's JMX exporter rules as the ConfigMap Strimzi's metricsConfig reads."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "sprg-kafka-metrics"},
        "data": {"kafka-jmx.yml": KAFKA_JMX.read_text()},
    }


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


class _Literal(_NoAliases):
    """Multi-line strings as YAML block literals (a file inside a ConfigMap stays readable)."""


def _literal(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Literal.add_representer(str, _literal)


def write_prometheus_rule() -> None:
    header = (
        "# deploy/prometheus/alerts.yml as a Prometheus Operator rule (the same groups; a test\n"
        "# checks they agree). Regenerate after changing alerts.yml:\n"
        "#   python -m tests.k8s_render --write-prometheusrule\n"
    )
    body = yaml.dump(prometheus_rule(), Dumper=_NoAliases, sort_keys=False, width=120)
    (K8S / "monitoring" / "prometheusrule.yaml").write_text(header + body)
    header = (
        "# deploy/prometheus/kafka-jmx.yml (the JMX exporter's rules: which broker metrics,\n"
        "# under which names) as the ConfigMap Strimzi's metricsConfig reads (kafka.yaml); a\n"
        "# test checks they agree. Regenerate after changing kafka-jmx.yml:\n"
        "#   python -m tests.k8s_render --write-prometheusrule\n"
    )
    body = yaml.dump(kafka_metrics_config(), Dumper=_Literal, sort_keys=False, width=200)
    (K8S / "kafka" / "metrics-config.yaml").write_text(header + body)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-prometheusrule"]:
        write_prometheus_rule()
    else:
        yaml.safe_dump_all(render(), sys.stdout, sort_keys=False)

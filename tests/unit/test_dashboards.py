"""The Grafana dashboards load as provisioned: valid JSON, the provisioned datasource, PromQL
that Prometheus parses (promtool), and the files docker-compose.yml mounts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.promql import DASHBOARDS, ROOT, dashboard_queries

PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"


def test_the_two_dashboards_use_the_provisioned_datasource() -> None:
    sources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    uid = sources["datasources"][0]["uid"]
    dashboards = {p.stem: json.loads(p.read_text()) for p in DASHBOARDS.glob("*.json")}
    assert set(dashboards) == {"operations", "statutory"}
    assert len({d["uid"] for d in dashboards.values()}) == 2
    for name, dashboard in dashboards.items():
        panels = [p for p in dashboard["panels"] if p["type"] != "row"]
        assert panels, name
        for panel in panels:
            assert panel["datasource"]["uid"] == uid, f"{name}: {panel['title']}"
            assert panel["targets"], f"{name}: {panel['title']} queries nothing"
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{name}: panel ids repeat"


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    rules = {
        "groups": [
            {
                "name": "dashboards",
                "rules": [
                    {"record": f"dashboard:query_{n}", "expr": expr}
                    for n, expr in enumerate(dashboard_queries().values())
                ],
            }
        ]
    }
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump(rules))
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: run deploy/local/tools.sh (make test does)"
    checked = subprocess.run(
        [tool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_grafana_provisions_the_dashboards_folder_that_compose_mounts() -> None:
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "sprg.yml").read_text())
    path = providers["providers"][0]["options"]["path"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    volumes = [str(v) for v in compose["services"]["grafana"]["volumes"]]
    assert f"./deploy/grafana/dashboards:{path}:ro" in volumes
    prometheus = [str(v) for v in compose["services"]["prometheus"]["volumes"]]
    assert "./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in prometheus

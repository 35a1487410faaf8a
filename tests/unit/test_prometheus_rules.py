"""The alert rules work: promtool checks the config and runs the rules' unit tests.

promtool comes from Debian's ``prometheus`` package (``deploy/local/tools.sh``, which
``make test`` runs); without it these tests fail rather than skip.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
RUNBOOK = ROOT / "docs" / "operations.md"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: run deploy/local/tools.sh (make test does)"
    return subprocess.run(
        [tool, *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )


def alert_names() -> list[str]:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r]


def test_the_prometheus_config_and_its_rules_are_valid() -> None:
    checked = promtool("check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout + checked.stderr


def test_every_alert_fires_when_it_should_and_not_before() -> None:
    tested = promtool("test", "rules", str(PROMETHEUS / "tests" / "alerts_test.yml"))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout + tested.stderr


def test_every_alert_has_a_unit_test_and_a_runbook_entry() -> None:
    cases = yaml.safe_load((PROMETHEUS / "tests" / "alerts_test.yml").read_text())
    tested = {
        check["alertname"]
        for case in cases["tests"]
        for check in case.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }
    runbook = RUNBOOK.read_text().lower()
    assert alert_names(), "no alerts found"
    for name in alert_names():
        assert name in tested, f"{name} has no promtool test where it fires"
        assert f"### {name.lower()}" in runbook, f"docs/operations.md says nothing of {name}"

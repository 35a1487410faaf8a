"""`sprg ops`: the monitoring configuration `make run` uses is the shared one with only the
targets changed, and Alertmanager's recipients come from the directory's operations role."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sprg_cli.demo import DEMO, directory_people, person_email
from sprg_cli.main import main
from sprg_cli.ops import (
    LOCAL_TARGETS,
    SHARED_CONFIG,
    alertmanager_config,
    operations_recipients,
    prometheus_config,
)
from sprg_notifier.domain.directory import Person

DIRECTORY = DEMO / "croydon-sprg.json"


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: run deploy/local/tools.sh (make test does)"
    return found


def test_the_local_config_keeps_the_shared_rules_and_jobs_with_local_targets(
    tmp_path: Path,
) -> None:
    out = tmp_path / "prometheus.yml"
    assert main(["ops", "prometheus-config", "--local", "--out", str(out)]) == 0
    local = yaml.safe_load(out.read_text())
    shared = yaml.safe_load(SHARED_CONFIG.read_text())
    assert local["rule_files"] == [
        str((SHARED_CONFIG.parent / f).resolve()) for f in shared["rule_files"]
    ]
    assert local["global"] == shared["global"]
    jobs = {j["job_name"]: j for j in local["scrape_configs"]}
    assert set(jobs) == {j["job_name"] for j in shared["scrape_configs"]}
    for job in shared["scrape_configs"]:
        mine = jobs[job["job_name"]]
        # Everything but the address is the shared job's: path, labels (service=...).
        assert mine["static_configs"][0].get("labels") == job["static_configs"][0].get("labels")
        assert mine["static_configs"][0]["targets"] == [LOCAL_TARGETS[job["job_name"]]]
        assert mine.get("metrics_path") == job.get("metrics_path")
    assert jobs["intake"]["static_configs"][0]["targets"] == ["127.0.0.1:8001"]
    assert jobs["console"]["static_configs"][0]["targets"] == ["127.0.0.1:8000"]
    assert local["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [
        "127.0.0.1:9093"
    ]
    checked = subprocess.run(
        [_tool("promtool"), "check", "config", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_job_with_no_target_here_is_left_out_and_intervals_can_be_shortened() -> None:
    shared = yaml.safe_load(SHARED_CONFIG.read_text())
    config = prometheus_config(shared, {"notifier": "127.0.0.1:1234"}, None, interval="1s")
    assert [j["job_name"] for j in config["scrape_configs"]] == ["notifier"]
    assert config["global"]["scrape_interval"] == config["global"]["evaluation_interval"] == "1s"
    assert "alerting" not in config
    assert shared["global"]["scrape_interval"] == "15s"  # the shared config is not changed


def test_alerts_go_to_the_people_with_the_operations_role_in_the_directory(
    tmp_path: Path,
) -> None:
    partnership = json.loads(DIRECTORY.read_text())
    ops = [p for p in directory_people(partnership) if "operations" in p["roles"]]
    assert ops, "the demo directory has no operations team"
    # Every one of them is a person the notifier's directory accepts (the role is known).
    for p in ops:
        Person(
            person_id=p["person_id"],
            name=p["title"],
            email=person_email(p),
            agency=p["agency"],
            roles=frozenset(p["roles"]),
        )
    out = tmp_path / "alertmanager.yml"
    assert main(["ops", "alertmanager-config", "--smtp", "127.0.0.1:2525", "--out", str(out)]) == 0
    config = yaml.safe_load(out.read_text())
    (receiver,) = config["receivers"]
    assert config["route"]["receiver"] == receiver["name"]
    (email,) = receiver["email_configs"]
    assert sorted(a.strip() for a in email["to"].split(",")) == sorted(person_email(p) for p in ops)
    assert config["global"]["smtp_smarthost"] == "127.0.0.1:2525"
    checked = subprocess.run(
        [_tool("amtool"), "check-config", str(out)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Someone joins the team in the directory: they are told too.
    partnership["operations"].append(
        {"person_id": "ops-new", "title": "New", "agency": "cscp", "roles": ["operations"]}
    )
    assert "ops-new@cscp-demo.example.org" in operations_recipients(partnership)


def test_a_directory_without_an_operations_team_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partnership = json.loads(DIRECTORY.read_text())
    partnership.pop("operations")
    directory = tmp_path / "dir.json"
    directory.write_text(json.dumps(partnership))
    out = tmp_path / "am.yml"
    code = main(["ops", "alertmanager-config", "--directory", str(directory), "--out", str(out)])
    assert code == 2
    assert "nobody holds the operations role" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(ValueError):
        alertmanager_config([], "127.0.0.1:25", "a@b.example")

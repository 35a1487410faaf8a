"""``sprg ops ...``: the monitoring configuration for one machine, made from the shared files.

- ``prometheus-config``: ``deploy/prometheus/prometheus.yml`` (the compose targets) with
  each job's target replaced by where it runs here (``--local``: the ``make run`` ports),
  the shared rule files by their absolute paths, and Alertmanager added. Jobs without a
  target here are left out. The rules, consoles and dashboards stay the shared ones.
- ``alertmanager-config``: Alertmanager routing every alert by e-mail to the people who
  hold the ``operations`` role in the directory (``deploy/demo/croydon-sprg.json``), never
  a hard-coded address, through an SMTP relay (``make run``: the local catcher).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from sprg_cli.demo import DEMO, MAIL_DOMAIN, directory_people, person_email

REPO = Path(__file__).resolve().parents[3]
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
SHARED_CONFIG = PROMETHEUS_DIR / "prometheus.yml"
CONSOLES = PROMETHEUS_DIR / "consoles"
CONSOLE_LIBRARIES = PROMETHEUS_DIR / "console_libraries"
OPERATIONS_ROLE = "operations"

# Where each job's target is under `make run` (deploy/local/stack.sh and infra.sh).
LOCAL_TARGETS: dict[str, str] = {
    "console": "127.0.0.1:8000",
    "intake": "127.0.0.1:8001",
    "rules": "127.0.0.1:8002",
    "scheduler": "127.0.0.1:8003",
    "notifier": "127.0.0.1:8004",
    "reporting": "127.0.0.1:8005",
    "kafka": "127.0.0.1:9404",
    "prometheus": "127.0.0.1:9090",
}
LOCAL_ALERTMANAGER = "127.0.0.1:9093"
LOCAL_SMTP = "127.0.0.1:1025"


def prometheus_config(
    shared: dict[str, Any],
    targets: dict[str, str],
    alertmanager: str | None,
    rules_dir: Path = PROMETHEUS_DIR,
    interval: str | None = None,
) -> dict[str, Any]:
    """The shared config with only the targets (and, if given, the intervals) changed."""
    config: dict[str, Any] = json.loads(json.dumps(shared))  # a deep copy
    if interval:
        config["global"]["scrape_interval"] = interval
        config["global"]["evaluation_interval"] = interval
        timeout = config["global"].get("scrape_timeout")
        if timeout:
            config["global"]["scrape_timeout"] = interval
    config["rule_files"] = [str((rules_dir / f).resolve()) for f in shared.get("rule_files", [])]
    jobs = []
    for job in shared["scrape_configs"]:
        name = job["job_name"]
        if name not in targets:
            continue
        for static in job.get("static_configs", []):
            static["targets"] = [targets[name]]
        jobs.append(job)
    config["scrape_configs"] = jobs
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    else:
        config.pop("alerting", None)
    return config


def operations_recipients(partnership: dict[str, Any], mail_domain: str = MAIL_DOMAIN) -> list[str]:
    """The addresses of everyone holding the operations role in the directory."""
    return sorted(
        {
            person_email(p, mail_domain)
            for p in directory_people(partnership)
            if OPERATIONS_ROLE in p.get("roles", [])
        }
    )


def alertmanager_config(
    recipients: list[str],
    smtp: str,
    sender: str,
    group_wait: str = "30s",
    group_interval: str = "5m",
    repeat_interval: str = "4h",
) -> dict[str, Any]:
    """Every alert to the operations team by e-mail, one message per alert name and group."""
    if not recipients:
        raise ValueError(f"nobody holds the {OPERATIONS_ROLE} role in the directory")
    return {
        "global": {
            "smtp_smarthost": smtp,
            "smtp_from": sender,
            "smtp_require_tls": False,
        },
        "route": {
            "receiver": OPERATIONS_ROLE,
            "group_by": ["alertname", "service", "kind"],
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
        },
        "receivers": [
            {
                "name": OPERATIONS_ROLE,
                "email_configs": [
                    {
                        "to": ", ".join(recipients),
                        "send_resolved": True,
                        "headers": {
                            "Subject": (
                                "[SPRG {{ .Status | toUpper }}] {{ .CommonLabels.alertname }}"
                                " ({{ .Alerts | len }})"
                            )
                        },
                    }
                ],
            }
        ],
    }


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ops = subcommands.add_parser("ops", help="monitoring configuration for one machine")
    sub = ops.add_subparsers(dest="ops_command", required=True)

    prom = sub.add_parser("prometheus-config", help="the shared scrape config, local targets")
    prom.add_argument("--shared", type=Path, default=SHARED_CONFIG)
    prom.add_argument("--local", action="store_true", help="the `make run` targets")
    prom.add_argument(
        "--target", action="append", default=[], metavar="JOB=HOST:PORT", help="a job's target"
    )
    prom.add_argument("--alertmanager", default=None, metavar="HOST:PORT")
    prom.add_argument("--interval", default=None, help="scrape and evaluation interval")
    prom.add_argument("--out", type=Path, required=True)
    prom.set_defaults(handler=_prometheus)

    am = sub.add_parser("alertmanager-config", help="alerts by e-mail to the operations role")
    am.add_argument("--directory", type=Path, default=DEMO / "croydon-sprg.json")
    am.add_argument("--mail-domain", default=MAIL_DOMAIN)
    am.add_argument("--smtp", default=LOCAL_SMTP, metavar="HOST:PORT")
    am.add_argument("--sender", default=f"alertmanager@{MAIL_DOMAIN}")
    am.add_argument("--group-wait", default="30s")
    am.add_argument("--group-interval", default="5m")
    am.add_argument("--out", type=Path, required=True)
    am.set_defaults(handler=_alertmanager)


def _write(path: Path, config: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Generated by `sprg ops` (cli/src/sprg_cli/ops.py): edit the shared files instead.\n"
        + yaml.safe_dump(config, sort_keys=False)
    )


def _prometheus(args: argparse.Namespace) -> int:
    targets = dict(LOCAL_TARGETS) if args.local else {}
    for item in args.target:
        job, sep, address = item.partition("=")
        if not sep or not address:
            print(f"sprg ops: --target wants JOB=HOST:PORT, not {item!r}", file=sys.stderr)
            return 2
        targets[job] = address
    alertmanager = args.alertmanager or (LOCAL_ALERTMANAGER if args.local else None)
    shared = yaml.safe_load(args.shared.read_text())
    config = prometheus_config(
        shared, targets, alertmanager, args.shared.parent.resolve(), args.interval
    )
    _write(args.out, config)
    jobs = ", ".join(
        f"{j['job_name']} {j['static_configs'][0]['targets'][0]}" for j in config["scrape_configs"]
    )
    print(f"prometheus config: {args.out} ({jobs})")
    return 0


def _alertmanager(args: argparse.Namespace) -> int:
    partnership = json.loads(args.directory.read_text())
    recipients = operations_recipients(partnership, args.mail_domain)
    try:
        config = alertmanager_config(
            recipients, args.smtp, args.sender, args.group_wait, args.group_interval
        )
    except ValueError as exc:
        print(f"sprg ops: {exc} ({args.directory})", file=sys.stderr)
        return 2
    _write(args.out, config)
    print(f"alertmanager config: {args.out} (alerts to {', '.join(recipients)} via {args.smtp})")
    return 0

"""``sprg targets ...``: the local targets' versions, the lifecycle of a rule pack.

A candidate is a YAML or JSON file of working days per local clock kind
(``{rapid_review_panel_copy: 2, csab_liaison: 10}``), and optionally the reminder
offsets (``reminder_offsets: [5, 2, 0]``). ``validate`` dry-runs it on the
scheduler (refused naming the kind, or each open clock it would move: old due -> new
due, and each open clock whose reminders to come the offsets would change: old days ->
new); ``activate`` puts it in force with a reason (the open clocks move, no restart);
``rollback`` puts the previous version back; ``list`` shows the versions. Talks to the
scheduler (``--url``) as the Business Team, with the same token as ``sprg calendar``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import yaml

from sprg_cli.calendar import _call, _refuse


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    targets = subcommands.add_parser(
        "targets", help="local targets: validate (dry-run), activate, rollback, list"
    )
    sub = targets.add_subparsers(dest="targets_command", required=True)
    validate = sub.add_parser(
        "validate",
        help="dry-run a candidate: the clocks it would move, the reminders it would change",
    )
    validate.add_argument("file", type=Path)
    validate.set_defaults(handler=_validate)
    activate = sub.add_parser("activate", help="put a candidate in force (the clocks move)")
    activate.add_argument("file", type=Path)
    activate.add_argument("--reason", required=True)
    activate.set_defaults(handler=_activate)
    rollback = sub.add_parser("rollback", help="put the previous version in force again")
    rollback.add_argument("--reason", required=True)
    rollback.set_defaults(handler=_rollback)
    sub.add_parser("list", help="in force, shipped, every version").set_defaults(handler=_list)
    for cmd in sub.choices.values():
        cmd.add_argument(
            "--url", default=os.environ.get("SPRG_SCHEDULER_URL", "http://127.0.0.1:8003")
        )


def _candidate(path: Path) -> dict[str, Any] | None:
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        _refuse(f"cannot read {path}: {exc}")
        return None
    if not isinstance(found, dict):
        _refuse(f"{path}: a mapping of clock kind to working days")
        return None
    return found


def _validate(args: argparse.Namespace) -> int:
    found = _candidate(args.file)
    if found is None:
        return 2
    offsets = found.pop("reminder_offsets", None)
    body = {"targets": found, "reminder_offsets": offsets}
    return _call("POST", f"{args.url}/v1/targets/dry-run", json=body)


def _activate(args: argparse.Namespace) -> int:
    found = _candidate(args.file)
    if found is None:
        return 2
    offsets = found.pop("reminder_offsets", None)
    body = {"targets": found, "reason": args.reason, "reminder_offsets": offsets}
    return _call("POST", f"{args.url}/v1/targets/activate", json=body)


def _rollback(args: argparse.Namespace) -> int:
    return _call("POST", f"{args.url}/v1/targets/rollback", json={"reason": args.reason})


def _list(args: argparse.Namespace) -> int:
    return _call("GET", f"{args.url}/v1/targets")

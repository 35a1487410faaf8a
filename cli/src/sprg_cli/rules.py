"""``sprg rules ...``: the rule pack lifecycle.

``validate`` and ``test`` work offline on a pack file; ``diff``, ``activate``,
``rollback``, ``list`` and ``show`` ask the rules service (``--url``) with a bearer
token holding the rules_admin role: ``SPRG_TOKEN``, or one minted from
the development key (``SPRG_AUTH_DEV_KEY_FILE``) for this operator.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from sprg_cli.devtoken import dev_token
from sprg_rules.public import PackError, PackRejected, checked, parse_pack, summary
from sprg_shared.auth import Role

EXIT_REFUSED = 2


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rules = subcommands.add_parser("rules", help="rule packs: validate, test, diff, activate...")
    sub = rules.add_subparsers(dest="rules_command", required=True)
    for name, help_text, handler in (
        ("validate", "check a pack file's format and compile it", _validate),
        ("test", "run a pack file's golden cases", _test),
        ("diff", "what a pack file would decide differently for every stored case", _diff),
        ("activate", "upload a pack file (if new) and put it in force everywhere", _activate),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("file", type=Path, metavar="PACK.yaml")
        cmd.set_defaults(handler=handler)
    rollback = sub.add_parser("rollback", help="withdraw a pack's latest active version")
    rollback.add_argument("pack_id")
    rollback.set_defaults(handler=_rollback)
    sub.add_parser("list", help="uploaded packs and which are active").set_defaults(handler=_list)
    show = sub.add_parser("show", help="one version, with its text and history")
    show.add_argument("pack", metavar="PACK_ID@VERSION")
    show.set_defaults(handler=_show)
    for cmd in (*sub.choices.values(),):
        cmd.add_argument("--url", default=os.environ.get("SPRG_RULES_URL", "http://127.0.0.1:8002"))
        cmd.add_argument("--reason", default="", help="why (recorded with activate and rollback)")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _validate(args: argparse.Namespace) -> int:
    try:
        rulepack = parse_pack(_read(args.file), origin=str(args.file))
    except (PackError, OSError) as exc:
        return _refuse(str(exc))
    return _print({"valid": True, **summary(rulepack)})


def _test(args: argparse.Namespace) -> int:
    try:
        rulepack = checked(_read(args.file))
    except (PackRejected, OSError) as exc:
        return _refuse(str(exc))
    return _print({"golden_cases_passed": len(rulepack.pack.golden), **summary(rulepack)})


def _headers() -> dict[str, str]:
    token = os.environ.get("SPRG_TOKEN")
    if not token:
        token = dev_token(
            "cscp", frozenset({Role.RULES_ADMIN}), getpass.getuser(), timedelta(minutes=10)
        )
    return {"Authorization": f"Bearer {token}"}


def _call(method: str, url: str, **kwargs: Any) -> int:
    try:
        response = httpx.request(method, url, headers=_headers(), timeout=60, **kwargs)
    except httpx.HTTPError as exc:
        return _refuse(f"cannot reach the rules service at {url}: {exc}")
    if response.status_code >= 400:
        detail = response.json().get("detail", response.text) if response.content else ""
        return _refuse(f"{response.status_code}: {detail}")
    return _print(response.json())


def _diff(args: argparse.Namespace) -> int:
    return _call("POST", f"{args.url}/v1/rulepacks/diff", content=_read(args.file))


def _activate(args: argparse.Namespace) -> int:
    text = _read(args.file)
    try:
        pack = parse_pack(text).pack
    except PackError as exc:
        return _refuse(str(exc))
    uploaded = _call("POST", f"{args.url}/v1/rulepacks", content=text)
    if uploaded:
        return uploaded
    reason = args.reason or f"activated from {args.file.name}"
    return _call(
        "POST",
        f"{args.url}/v1/rulepacks/{pack.id}/{pack.version}/activate",
        json={"reason": reason},
    )


def _rollback(args: argparse.Namespace) -> int:
    return _call(
        "POST",
        f"{args.url}/v1/rulepacks/{args.pack_id}/rollback",
        json={"reason": args.reason or "rolled back by the operator"},
    )


def _list(args: argparse.Namespace) -> int:
    return _call("GET", f"{args.url}/v1/rulepacks")


def _show(args: argparse.Namespace) -> int:
    pack_id, _, version = args.pack.partition("@")
    if not version:
        return _refuse("name the version: PACK_ID@VERSION")
    return _call("GET", f"{args.url}/v1/rulepacks/{pack_id}/{version}")


def _print(data: Any) -> int:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    return 0


def _refuse(message: str) -> int:
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    return EXIT_REFUSED

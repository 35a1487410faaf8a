"""``sprg calendar ...``: closure days, the recalculation they propose, and its confirmation.

``add-closure`` records a pending closure day and prints which open clocks it would
move; nothing moves until ``confirm``. Talks to the scheduler (``--url``) with a bearer
token holding the business_team role: ``SPRG_TOKEN``, or one minted from
``SPRG_JWT_SECRET`` for this operator.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date, timedelta
from typing import Any

import httpx

from sprg_shared.auth import Role, mint

EXIT_REFUSED = 2


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    calendar = subcommands.add_parser(
        "calendar", help="closure days: add, list, pending recalculation, confirm"
    )
    sub = calendar.add_subparsers(dest="calendar_command", required=True)
    add = sub.add_parser("add-closure", help="add a closure day (pending until confirmed)")
    add.add_argument("date", type=date.fromisoformat, metavar="YYYY-MM-DD")
    add.add_argument("--reason", required=True, help="why the partnership is closed")
    add.set_defaults(handler=_add)
    sub.add_parser("list", help="the version in force and every closure day").set_defaults(
        handler=_list
    )
    sub.add_parser(
        "pending", help="pending closure days and each open clock they would move"
    ).set_defaults(handler=_pending)
    confirm = sub.add_parser("confirm", help="put the pending days in force; move the clocks")
    confirm.add_argument(
        "--expect",
        type=int,
        help="the proposed version number you reviewed (refused if it changed)",
    )
    confirm.set_defaults(handler=_confirm)
    for cmd in sub.choices.values():
        cmd.add_argument(
            "--url", default=os.environ.get("SPRG_SCHEDULER_URL", "http://127.0.0.1:8003")
        )


def _headers() -> dict[str, str]:
    token = os.environ.get("SPRG_TOKEN")
    if not token:
        secret = os.environ.get("SPRG_JWT_SECRET")
        if not secret:
            raise SystemExit("error: set SPRG_TOKEN (a business_team token) or SPRG_JWT_SECRET")
        token = mint(
            secret,
            subject=getpass.getuser(),
            agency="cscp",
            roles=frozenset({Role.BUSINESS_TEAM}),
            ttl=timedelta(minutes=10),
        )
    return {"Authorization": f"Bearer {token}"}


def _call(method: str, url: str, **kwargs: Any) -> int:
    try:
        response = httpx.request(method, url, headers=_headers(), timeout=60, **kwargs)
    except httpx.HTTPError as exc:
        return _refuse(f"cannot reach the scheduler at {url}: {exc}")
    if response.status_code >= 400:
        detail = response.json().get("detail", response.text) if response.content else ""
        return _refuse(f"{response.status_code}: {detail}")
    sys.stdout.write(json.dumps(response.json(), indent=2) + "\n")
    return 0


def _add(args: argparse.Namespace) -> int:
    body = {"date": args.date.isoformat(), "reason": args.reason}
    return _call("POST", f"{args.url}/v1/calendar/closures", json=body)


def _list(args: argparse.Namespace) -> int:
    return _call("GET", f"{args.url}/v1/calendar")


def _pending(args: argparse.Namespace) -> int:
    return _call("GET", f"{args.url}/v1/calendar/pending")


def _confirm(args: argparse.Namespace) -> int:
    return _call("POST", f"{args.url}/v1/calendar/confirm", json={"expected_version": args.expect})


def _refuse(message: str) -> int:
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    return EXIT_REFUSED

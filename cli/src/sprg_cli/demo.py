"""``sprg demo load``: the demo partnership and a few cases, through the services' own APIs.

Idempotent: people are PUT by id, cases are posted with an Idempotency-Key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from sprg_shared.auth import Role, mint

DEMO = Path(__file__).resolve().parents[3] / "deploy" / "demo"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="demo data")
    sub = demo.add_subparsers(dest="demo_command", required=True)
    load = sub.add_parser("load", help="load the demo partnership and cases")
    load.add_argument("--intake", default="http://127.0.0.1:8001")
    load.add_argument("--notifier", default="http://127.0.0.1:8004")
    load.add_argument("--data", type=Path, default=DEMO)
    load.add_argument("--mail-domain", default="cscp-demo.example.org")
    load.set_defaults(handler=run_load)


def _headers(secret: str, agency: str, role: Role) -> dict[str, str]:
    token = mint(
        secret,
        subject=f"demo-{agency}",
        agency=agency,
        roles=frozenset({role}),
        ttl=timedelta(minutes=10),
    )
    return {"Authorization": f"Bearer {token}"}


def run_load(args: argparse.Namespace) -> int:
    secret = os.environ.get("SPRG_JWT_SECRET")
    if not secret:
        print("error: SPRG_JWT_SECRET is not set", file=sys.stderr)
        return 2
    partnership = json.loads((args.data / "croydon-sprg.json").read_text())
    cases: list[dict[str, Any]] = json.loads((args.data / "cases.json").read_text())
    business = _headers(secret, "cscp", Role.BUSINESS_TEAM)
    with httpx.Client(timeout=15) as http:
        # Agencies first: their codes are how the rules' answers name them (quoracy, press).
        for agency in partnership.get("agencies", []):
            http.put(
                f"{args.notifier}/v1/directory/agencies/{agency['agency_id']}",
                json=agency,
                headers=business,
            ).raise_for_status()
        people = 0
        # The SPRG's members, the Executive Group (the quarterly Review Summary's readers),
        # then the contacts that are not members (press offices, the CSCP mailbox).
        listed = ("members", "executive_group", "contacts")
        for member in [m for part in listed for m in partnership.get(part, [])]:
            if member.get("vacant"):
                continue
            person = {
                "person_id": member["person_id"],
                "name": member["title"],
                "email": f"{member['person_id']}@{args.mail_domain}",
                "agency": member["agency"],
                "roles": member["roles"],
            }
            http.put(
                f"{args.notifier}/v1/directory/people/{member['person_id']}",
                json=person,
                headers=business,
            ).raise_for_status()
            people += 1
        for case in cases:
            headers = {
                **_headers(secret, case["agency"], Role.AGENCY_SUBMITTER),
                "Idempotency-Key": case["key"],
            }
            response = http.post(
                f"{args.intake}/v1/incidents", json=case["report"], headers=headers
            )
            response.raise_for_status()
            print(f"case {response.json()['reference']} ({case['key']})")
    agencies = len(partnership.get("agencies", []))
    print(f"directory: {agencies} agencies, {people} people; cases: {len(cases)}")
    return 0

"""``sprg tokens mint``: a bearer token for an agency and its roles."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta

from sprg_shared.auth import Role, mint


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("tokens", help="bearer tokens")
    sub = tokens.add_subparsers(dest="tokens_command", required=True)
    minting = sub.add_parser("mint", help="issue a token (secret from SPRG_JWT_SECRET)")
    minting.add_argument("--agency", required=True, help="the caller's agency, e.g. croydon-csc")
    minting.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="a role the token carries (repeat for several)",
    )
    minting.add_argument("--subject", help="who the token is for (default: <agency>-user)")
    minting.add_argument("--hours", type=float, default=8.0, help="lifetime in hours (default 8)")
    minting.set_defaults(handler=run_mint)


def run_mint(args: argparse.Namespace) -> int:
    secret = os.environ.get("SPRG_JWT_SECRET")
    if not secret:
        print(
            "error: SPRG_JWT_SECRET is not set (make run writes it to .local/secrets.env)",
            file=sys.stderr,
        )
        return 2
    try:
        token = mint(
            secret,
            subject=args.subject or f"{args.agency}-user",
            agency=args.agency,
            roles=frozenset(Role(r) for r in args.role),
            ttl=timedelta(hours=args.hours),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0

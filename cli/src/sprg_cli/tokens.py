"""``sprg tokens mint``: a development token for an agency and its roles.

A development tool only: it signs with the local development key (``SPRG_AUTH_DEV_KEY_FILE``),
which services trust only outside production, and it refuses to run with
``SPRG_ENV=production``. People sign in through the identity provider; agency systems use
client credentials.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from sprg_cli.devtoken import dev_token
from sprg_shared.auth import Role


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("tokens", help="development bearer tokens")
    sub = tokens.add_subparsers(dest="tokens_command", required=True)
    minting = sub.add_parser(
        "mint", help="issue a development token (key from SPRG_AUTH_DEV_KEY_FILE)"
    )
    minting.add_argument("--agency", required=True, help="the caller's agency, e.g. croydon-csc")
    minting.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="a role the token carries (repeat for several)",
    )
    minting.add_argument("--subject", help="who the token is for (default: <agency>-user)")
    minting.add_argument(
        "--minutes",
        type=float,
        default=60.0,
        help="lifetime in minutes (default 60, the services' longest accepted)",
    )
    minting.set_defaults(handler=run_mint)


def run_mint(args: argparse.Namespace) -> int:
    try:
        token = dev_token(
            args.agency,
            frozenset(Role(r) for r in args.role),
            args.subject or f"{args.agency}-user",
            timedelta(minutes=args.minutes),
        )
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    print(token)
    return 0

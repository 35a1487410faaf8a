"""The ``sprg`` operator command: one entry point, one module per subcommand.

Only the module of the subcommand asked for is imported (each pulls in its service's
domain, Kafka, PyMongo or HTTP client), so ``sprg --help`` imports none of them and
``sprg assess`` none but its own.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]

# Subcommand -> one line of help for `sprg --help`; each module's `register` defines the
# rest (tests/unit check that the two say the same).
SUBCOMMANDS: dict[str, str] = {
    "assess": "what the law requires for a case, and by when (JSON in, JSON out)",
    "rules": "rule packs: validate, test, diff, activate...",
    "calendar": "closure days: add, list, pending recalculation, confirm",
    "targets": "local targets: validate (dry-run), activate, rollback, list",
    "tokens": "development bearer tokens",
    "demo": "demo data",
    "dlq": "dead letters: list, replay",
    "reporting": "read models and reports",
    "ops": "monitoring configuration for one machine",
}


def parser_for(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sprg", description="Safeguarding review tracker operator command"
    )
    subcommands = parser.add_subparsers(dest="command", required=True)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, help_text in SUBCOMMANDS.items():
        if name == chosen:
            importlib.import_module(f"sprg_cli.{name}").register(subcommands)
        else:  # a placeholder: listed in the help, never parsed
            subcommands.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    args = parser_for(args_in).parse_args(args_in)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())

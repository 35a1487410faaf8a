"""The ``sprg`` operator command: one entry point, one module per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sprg_cli import assess, calendar, demo, dlq, ops, reporting, rules, tokens

Handler = Callable[[argparse.Namespace], int]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sprg", description="Safeguarding review tracker operator command"
    )
    subcommands = parser.add_subparsers(dest="command", required=True)
    for module in (assess, rules, calendar, tokens, demo, dlq, reporting, ops):
        module.register(subcommands)
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())

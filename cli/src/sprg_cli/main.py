"""The ``sprg`` operator command: one entry point, one module per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sprg_cli import demo, tokens

SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    tokens.add_parser,
    demo.add_parser,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sprg", description="Safeguarding review tracker operator command"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(commands)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

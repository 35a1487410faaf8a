"""``sprg assess FILE|-``: the assessment contract offline.

Same rule pack and working-day calendar as the rules and scheduler services.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sprg_rules.public import InputError, assess, load_default_pack, parse_assessment_input
from sprg_shared.calendar import WorkingDayCalendar

EXIT_BAD_INPUT = 2


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "assess", help="what the law requires for a case, and by when (JSON in, JSON out)"
    )
    parser.add_argument("file", metavar="FILE", help="case JSON file, or - for standard input")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        body = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        return _refuse(f"cannot read {args.file}: {error.strerror or error}")
    try:
        case = parse_assessment_input(body)
    except InputError as error:
        return _refuse(str(error))
    result = assess(case, load_default_pack(), WorkingDayCalendar())
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


def _refuse(message: str) -> int:
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    return EXIT_BAD_INPUT

"""``sprg``: the top-level help lists every subcommand without importing any of them."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

from sprg_cli.main import SUBCOMMANDS


def test_each_subcommand_module_registers_the_help_line_main_lists() -> None:
    for name, help_text in SUBCOMMANDS.items():
        parser = argparse.ArgumentParser()
        subcommands = parser.add_subparsers()
        importlib.import_module(f"sprg_cli.{name}").register(subcommands)
        (action,) = subcommands._choices_actions
        assert (action.dest, action.help) == (name, help_text)


def test_top_level_help_imports_no_subcommand_module() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from sprg_cli.main import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['--help'])\n"
        "heavy = [m for m in ('sprg_cli.assess', 'sprg_rules', 'kafka', 'pymongo', 'httpx')"
        " if m in sys.modules]\n"
        "print(heavy, 'assess' in out.getvalue() and 'reporting' in out.getvalue())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] True"


def test_an_offline_assessment_loads_neither_the_store_nor_the_broker_client() -> None:
    """``sprg assess`` runs the shipped pack offline: importing pymongo and kafka-python (the
    pack administration's) would double its start-up (issue 16: under 0.5 s)."""
    example = Path(__file__).parents[1] / "data" / "examples" / "E1.json"
    probe = (
        "import sys, json, contextlib, io, tempfile\n"
        "from sprg_cli.main import main\n"
        f"case = json.load(open({str(example)!r}))['input']\n"
        "with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:\n"
        "    json.dump(case, f)\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['assess', f.name])\n"
        "heavy = [m for m in ('kafka', 'pymongo', 'sprg_rules.handlers.packs')"
        " if m in sys.modules]\n"
        "print(heavy, json.loads(out.getvalue())['case_id'])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] E1"

"""The ``sprg`` command reaches a service only through that service's ``public`` module.

A service's internals (``handlers``, ``adapters``, ``domain``, ``bootstrap``) change with the
service; what the operator command relies on is each ``sprg_<service>.public`` and its pinned
``__all__``, so a change to what the command may use is a deliberate one.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import tomllib
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "cli" / "src" / "sprg_cli"
SERVICES = (
    "sprg_intake",
    "sprg_rules",
    "sprg_scheduler",
    "sprg_notifier",
    "sprg_reporting",
    "sprg_console",
)

PUBLIC = {
    "sprg_rules.public": [
        "InputError",
        "PackError",
        "PackRejected",
        "assess",
        "checked",
        "load_default_pack",
        "parse_assessment_input",
        "parse_pack",
        "summary",
    ],
    "sprg_reporting.public": [
        "KINDS",
        "BadPeriod",
        "Produced",
        "ReportingSettings",
        "produce",
        "rebuild",
    ],
}


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name inside a module, not a submodule
        return False


def _service_imports() -> dict[str, set[str]]:
    """Each service module the CLI's source imports, and the files that import it."""
    found: dict[str, set[str]] = {}
    for path in sorted(CLI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                # ``from sprg_rules import handlers`` imports the submodule ``handlers`` too
                modules = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for module in modules:
                if module.split(".")[0] in SERVICES and _is_module(module):
                    found.setdefault(module, set()).add(path.name)
    return found


def test_the_cli_imports_nothing_from_a_service_but_its_public_module() -> None:
    imported = _service_imports()
    internals = {m: files for m, files in imported.items() if m not in PUBLIC}
    assert internals == {}, f"the CLI reaches into services' internals: {internals}"
    assert set(imported) == set(PUBLIC)  # both facades are in use: the scan sees imports


def test_each_public_module_offers_exactly_its_pinned_names() -> None:
    for module_name, names in PUBLIC.items():
        module = importlib.import_module(module_name)
        assert sorted(module.__all__) == sorted(names), module_name
        missing = [name for name in names if not hasattr(module, name)]
        assert missing == [], f"{module_name} promises {missing} but has none"


def test_the_cli_package_depends_on_exactly_the_services_it_imports() -> None:
    """Installed on its own, the command pulls in the services it uses and no others."""
    declared = tomllib.loads((CLI.parents[1] / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    services = {d.replace("-", "_") for d in declared} & set(SERVICES)
    assert services == {m.split(".")[0] for m in _service_imports()}

"""JSON Schemas of every event, generated from the models and kept in the repo.

``python -m sprg_shared.schemas write`` refreshes ``shared/schemas/``; ``check`` lists
changes that would break a reader of a committed schema (the test suite runs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sprg_shared import contracts  # noqa: F401 - registers every event type
from sprg_shared.envelope import Envelope, registered_types

__all__ = [
    "SCHEMA_DIR",
    "Schema",
    "breaking_changes",
    "check",
    "committed",
    "current",
    "main",
    "write",
]

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
Schema = dict[str, Any]


def current() -> dict[str, Schema]:
    found = {name: model.model_json_schema() for name, model in registered_types().items()}
    found["envelope"] = Envelope.model_json_schema()
    return found


def _resolve(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(root["$defs"][ref.removeprefix("#/$defs/")], root)
    return schema


def _kinds(schema: Schema, root: Schema) -> set[str]:
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return set().union(*(_kinds(s, root) for s in schema["anyOf"]))
    if "enum" in schema:
        return {f"enum:{v}" for v in schema["enum"]}
    if "const" in schema:
        return {f"enum:{schema['const']}"}
    return {str(schema.get("type", "any"))}


def breaking_changes(
    old: Schema, new: Schema, path: str = "", roots: tuple[Schema, Schema] | None = None
) -> list[str]:
    """What a reader relying on ``old`` would trip over in data valid under ``new``."""
    old_root, new_root = roots or (old, new)
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    problems: list[str] = []
    widened = _kinds(new, new_root) - _kinds(old, old_root)
    if widened:
        problems.append(f"{path or '/'}: values {sorted(widened)} not allowed before")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in sorted(set(old.get("required", [])) - set(new_props)):
        problems.append(f"{path}/{name}: required field removed")
    for name in sorted(
        set(old.get("required", [])) - set(new.get("required", [])) & set(new_props)
    ):
        problems.append(f"{path}/{name}: no longer required")
    for name in sorted(set(old_props) & set(new_props)):
        problems.extend(
            breaking_changes(
                old_props[name], new_props[name], f"{path}/{name}", (old_root, new_root)
            )
        )
    if "items" in old and "items" in new:
        problems.extend(
            breaking_changes(old["items"], new["items"], f"{path}[]", (old_root, new_root))
        )
    return problems


def committed() -> dict[str, Schema]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(SCHEMA_DIR.glob("*.json"))}


def check() -> list[str]:
    now, before = current(), committed()
    problems = [
        f"{name}: schema missing (event type removed)" for name in sorted(set(before) - set(now))
    ]
    problems += [
        f"{name}: not exported yet (run make schemas)" for name in sorted(set(now) - set(before))
    ]
    for name in sorted(set(now) & set(before)):
        problems += [f"{name}{p}" for p in breaking_changes(before[name], now[name])]
    return problems


def write() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, schema in current().items():
        (SCHEMA_DIR / f"{name}.json").write_text(
            json.dumps(schema, indent=2, sort_keys=True) + "\n"
        )


def main(argv: list[str]) -> int:
    if argv[1:] == ["write"]:
        write()
        return 0
    problems = check()
    for problem in problems:
        sys.stderr.write(problem + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

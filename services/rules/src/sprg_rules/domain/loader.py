"""Loads rule packs: YAML text -> typed tree -> validated ``RulePack``, with clear errors."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from sprg_rules.domain.evaluate import RulePack
from sprg_rules.domain.pack import Pack

DEFAULT_PACK = "statutory-england.yaml"


class PackError(ValueError):
    """A rule pack that cannot be used: the message names the place and the problem."""


def _where(loc: tuple[int | str, ...]) -> str:
    # Drop pydantic's discriminator tags so the path reads like the YAML.
    return ".".join(str(part) for part in loc if part not in {"leaf", "all", "any"}) or "pack"


def parse_pack(text: str, origin: str = "<pack>") -> RulePack:
    """Parse and validate a pack (unknown facts, operators, outcomes, duplicate ids...)."""
    try:
        # LibYAML's loader when PyYAML has it: the pack parses several times faster.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as error:
        msg = f"{origin}: not valid YAML: {error}"
        raise PackError(msg) from error
    if not isinstance(data, dict):
        msg = f"{origin}: a pack must be a mapping"
        raise PackError(msg)
    try:
        pack = Pack.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        msg = f"{origin}: {_where(first['loc'])}: {message}"
        raise PackError(msg) from error
    return RulePack.of(pack)


def load_pack(path: Path) -> RulePack:
    return parse_pack(path.read_text(encoding="utf-8"), origin=str(path))


@cache
def load_default_pack() -> RulePack:
    """The statutory pack shipped with the rules service (parsed once per process)."""
    text = resources.files("sprg_rules.packs").joinpath(DEFAULT_PACK).read_text(encoding="utf-8")
    return parse_pack(text, origin=DEFAULT_PACK)

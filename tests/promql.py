"""Which metrics a PromQL expression reads: plain names and ``__name__`` regular expressions.

Enough of PromQL for the project's dashboards and alerts; promtool checks their syntax.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"

_NAME_MATCHER = re.compile(r'__name__\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_BRACES = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(
    r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_IDENT = re.compile(r"(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])\s*(\()?")
_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "offset", "bool"}
_KEYWORDS |= {"group_left", "group_right", "inf", "nan", "atan2"}


@dataclass
class Selectors:
    names: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)


def selectors(expr: str) -> Selectors:
    found = Selectors()
    for op, value in _NAME_MATCHER.findall(expr):
        (found.patterns if op == "=~" else found.names).add(value.replace('\\"', '"'))
    rest = _STRING.sub('""', expr)
    rest = _BRACES.sub(" ", rest)
    rest = _RANGE.sub(" ", rest)
    rest = _GROUPING.sub(" ", rest)
    for name, call in _IDENT.findall(rest):
        if not call and name.lower() not in _KEYWORDS:
            found.names.add(name)
    return found


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def dashboard_queries() -> dict[str, str]:
    """``dashboard: panel title [refId]`` → expression, for every panel of every dashboard."""
    queries: dict[str, str] = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in _panels(dashboard["panels"]):
            for target in panel.get("targets", []):
                queries[f"{path.name}: {panel['title']} [{target['refId']}]"] = target["expr"]
    return queries


def alert_queries() -> dict[str, str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return {
        f"alerts.yml: {rule.get('alert') or rule.get('record')}": str(rule["expr"])
        for group in rules["groups"]
        for rule in group["rules"]
    }


def exposed_names(exposition: str) -> set[str]:
    """The series names a /metrics page can produce, from its ``# TYPE`` lines and samples.

    A labelled metric nobody has touched yet has no sample but is still declared, so
    the names its samples will carry are derived from the declared type.
    """
    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
        "info": ("_info",),
        "untyped": ("",),
    }
    names: set[str] = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(" ", 3)
            kind = kind.strip()
            if kind == "counter":  # the text format declares counters as name_total
                family = family.removesuffix("_total")
            names |= {family + s for s in suffixes.get(kind, ("",))}
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names

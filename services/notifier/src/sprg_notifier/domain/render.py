"""Templates: ``NAME.txt.j2`` (first line the subject, then the plain text) and ``NAME.html.j2``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sprg_notifier.domain.subjects import counted, duty, when


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Templates:
    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("sprg_notifier", "templates"),
            undefined=StrictUndefined,
            # The HTML parts are NAME.html.j2: escape them (a plain ["html"] would not match).
            autoescape=select_autoescape(["html", "html.j2"], default=False),
            keep_trailing_newline=True,
        )
        self._env.filters["when"] = when
        self._env.filters["duty"] = duty
        self._env.filters["counted"] = counted

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        text = self._env.get_template(f"{name}.txt.j2").render(**context)
        subject, _, body = text.partition("\n")
        html = self._env.get_template(f"{name}.html.j2").render(subject=subject.strip(), **context)
        return Rendered(subject=subject.strip(), text=body, html=html)

    def names(self) -> set[str]:
        """Templates that have both parts (text and HTML)."""
        found = set(self._env.list_templates())
        return {
            n.removesuffix(".txt.j2")
            for n in found
            if n.endswith(".txt.j2") and n.replace(".txt.j2", ".html.j2") in found
        }

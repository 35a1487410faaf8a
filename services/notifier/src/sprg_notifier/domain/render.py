"""Templates: the first line is the subject, the rest the plain-text body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


class Templates:
    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("sprg_notifier", "templates"),
            undefined=StrictUndefined,
            autoescape=select_autoescape(["html"]),
            keep_trailing_newline=True,
        )

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        text = self._env.get_template(f"{name}.txt.j2").render(**context)
        subject, _, body = text.partition("\n")
        return Rendered(subject=subject.strip(), body=body)

"""Reading a submitted form the GOV.UK way: dates as day, month and year; one plain-words
message per field, in page order, each linked from the error summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass
class Errors:
    """field name → message, in the order the fields appear; ``anchor`` is where the
    error summary's link lands (a date's first wrong part)."""

    messages: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str, anchor: str | None = None) -> None:
        if name not in self.messages:
            self.messages[name] = message
            self.anchors[name] = anchor or name

    def __bool__(self) -> bool:
        return bool(self.messages)

    def get(self, name: str) -> str | None:
        return self.messages.get(name)

    def title(self, title: str) -> str:
        """The page title, prefixed "Error: " while errors are shown (the GOV.UK pattern)."""
        return f"Error: {title}" if self else title

    def summary(self) -> list[dict[str, str]]:
        return [{"text": m, "href": f"#{self.anchors[n]}"} for n, m in self.messages.items()]


def text(form: Mapping[str, str], name: str) -> str:
    return str(form.get(name, "")).strip()


def required_text(
    form: Mapping[str, str], name: str, errors: Errors, message: str, *, max_length: int = 200
) -> str:
    value = text(form, name)
    if not value:
        errors.add(name, message)
    elif len(value) > max_length:
        errors.add(
            name,
            f"{message.removeprefix('Enter ').capitalize()} must be {max_length} characters "
            "or fewer",
        )
    return value


def choice(
    form: Mapping[str, str], name: str, options: Mapping[str, str], errors: Errors, message: str
) -> str:
    value = text(form, name)
    if value not in options:
        errors.add(name, message, f"{name}")
        return ""
    return value


def yes_no(form: Mapping[str, str], name: str, errors: Errors, message: str) -> bool | None:
    value = text(form, name)
    if value not in ("yes", "no"):
        errors.add(name, message)
        return None
    return value == "yes"


def date_parts(form: Mapping[str, str], name: str) -> dict[str, str]:
    return {part: text(form, f"{name}-{part}") for part in ("day", "month", "year")}


def a_date(
    form: Mapping[str, str],
    name: str,
    errors: Errors,
    *,
    what: str,
    today: date,
    required: bool = True,
    not_after_today: bool = True,
) -> date | None:
    """A GOV.UK date input's three parts as a date, or a message in the pattern's words:
    "Enter the date you became aware", "The date ... must include a month", "must be a real
    date", "must be today or in the past". ``what`` is "the date you became aware"."""
    parts = date_parts(form, name)
    label = what[0].upper() + what[1:]
    if not any(parts.values()):
        if required:
            errors.add(name, f"Enter {what}", f"{name}-day")
        return None
    missing = [p for p in ("day", "month", "year") if not parts[p]]
    if missing:
        errors.add(
            name, f"{label} must include a {' and a '.join(missing)}", f"{name}-{missing[0]}"
        )
        return None
    try:
        year = int(parts["year"])
        if len(parts["year"]) != 4:
            errors.add(name, "Year must include 4 numbers", f"{name}-year")
            return None
        found = date(year, int(parts["month"]), int(parts["day"]))
    except ValueError:
        errors.add(name, f"{label} must be a real date", f"{name}-day")
        return None
    if not_after_today and found > today:
        errors.add(name, f"{label} must be today or in the past", f"{name}-day")
        return None
    return found


def date_items(form: Mapping[str, str], name: str, error: bool) -> list[dict[str, object]]:
    """The date input component's three items, with what the person typed kept."""
    parts = date_parts(form, name)
    widths = {"day": 2, "month": 2, "year": 4}
    return [
        {
            "name": part,
            "label": part.capitalize(),
            "value": parts[part],
            "classes": f"govuk-input--width-{widths[part]}"
            + (" govuk-input--error" if error else ""),
        }
        for part in ("day", "month", "year")
    ]

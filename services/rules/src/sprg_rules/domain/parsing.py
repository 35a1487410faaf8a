"""Parses an assessment request body, refusing bad input with one line naming the field.

Shared by ``sprg assess`` (exit 2) and ``POST /v1/assessments`` (HTTP 422). Dates must
be real calendar dates written YYYY-MM-DD; booleans must be JSON true/false; enums are
exact; 1 to 4 children; no unknown fields; no date of birth after the event date.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from sprg_rules.domain.facts import MAX_CHILDREN, AssessmentInput

_DATE_ERRORS = {
    "date_parsing",
    "date_type",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
}


class InputError(ValueError):
    """Bad assessment input; ``field`` is the dotted path (``""`` for the whole body)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)


def parse_assessment_input(body: str | bytes) -> AssessmentInput:
    """Validate a JSON body against the assessment contract (v1), strictly."""
    try:
        return AssessmentInput.model_validate_json(body, strict=True)
    except ValidationError as error:
        raise _describe(error) from None


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value)[:60]
    except (TypeError, ValueError):
        return type(value).__name__


def _describe(error: ValidationError) -> InputError:
    first = error.errors(include_url=False)[0]
    kind, value = first["type"], first.get("input")
    field = ".".join(str(part) for part in first["loc"])
    ctx = first.get("ctx") or {}
    if kind == "json_invalid":
        return InputError("", f"not valid JSON ({ctx.get('error', first['msg'])})")
    if kind == "value_error" and not field:
        # Cross-field checks put the field in their message ("children.0.date_of_birth: ...").
        message = str(ctx.get("error", first["msg"]))
        field, _, problem = message.partition(": ")
        return InputError(field, problem or message)
    if kind in _DATE_ERRORS:
        problem = f"invalid date {_shown(value)} (expected a real date, YYYY-MM-DD)"
    elif kind == "missing":
        problem = "missing"
    elif kind == "extra_forbidden":
        problem = "unknown field"
    elif kind == "literal_error":
        problem = f"{_shown(value)} is not one of {ctx.get('expected', '')}"
    elif kind in {"too_short", "too_long"} and field == "children":
        problem = f"must hold 1 to {MAX_CHILDREN} children, got {ctx.get('actual_length', '?')}"
    elif kind == "bool_type":
        problem = f"must be true or false, got {_shown(value)}"
    elif kind in {"model_type", "model_attributes_type", "dict_type"}:
        problem = "must be a JSON object"
    else:
        problem = first["msg"]
    return InputError(field, problem)

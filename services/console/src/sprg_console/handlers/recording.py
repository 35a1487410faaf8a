"""What every case-work form shares: the form as sent (with its ticked boxes), and sending
one command to intake under the form's Idempotency-Key, its refusal put in the form's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sprg_console.adapters.apis import ApiError, Document
from sprg_console.domain.forms import Errors
from sprg_console.handlers.context import Caller, Deps

Upload = tuple[str, bytes, str]
"""A file sent with a form: its name, its content, its media type."""


@dataclass
class Outcome:
    """Either errors to show on the form again, or what intake answered."""

    errors: Errors = field(default_factory=Errors)
    answer: Document | None = None


def from_intake(exc: ApiError, errors: Errors, names: Mapping[str, tuple[str, str]]) -> None:
    """Intake's refusal in the form's words: each named field to its form field."""
    if exc.status == 422 and exc.fields:
        for api_field, _ in exc.fields.items():
            for prefix, (name, message) in names.items():
                if api_field == prefix or api_field.startswith(prefix + "."):
                    errors.add(name, message)
                    break
            else:
                errors.add("form", f"The service could not accept this: {exc.detail}")
        return
    if exc.status == 409:
        errors.add("form", f"This was already recorded differently: {exc.detail}")
    elif exc.status in (401, 403):
        errors.add("form", "You cannot record this: your account does not allow it")
    elif exc.status == 404:
        errors.add("form", "We could not find this case, or it was not reported by your agency")
    else:
        errors.add("form", "Sorry, the service is unavailable: nothing was saved, try again later")


@dataclass(frozen=True)
class Sent:
    """A submitted form: one value per field, the values of each group of checkboxes, and
    the files of each file input."""

    fields: dict[str, str] = field(default_factory=dict)
    ticked: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[Upload]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    def items(self, name: str) -> list[str]:
        return self.ticked.get(name, [])


async def send(
    deps: Deps,
    caller: Caller,
    out: Outcome,
    path: str,
    body: dict[str, Any],
    key: str,
    names: Mapping[str, tuple[str, str]],
) -> Outcome:
    """POST ``body`` to intake's ``path``; on a refusal, each field it names goes to the form's
    field (``names``: intake's field → (form field, message))."""
    try:
        out.answer = await deps.apis.intake.post(caller.token, path, body, idempotency_key=key)
    except ApiError as exc:
        from_intake(exc, out.errors, names)
    return out

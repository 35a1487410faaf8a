"""What every case-work form shares: the form as sent (with its ticked boxes), and sending
one command to intake under the form's Idempotency-Key, its refusal put in the form's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sprg_console.adapters.apis import ApiError
from sprg_console.handlers.context import Caller, Deps
from sprg_console.handlers.submissions import Outcome, _from_intake


@dataclass(frozen=True)
class Sent:
    """A submitted form: one value per field, and the values of each group of checkboxes."""

    fields: dict[str, str] = field(default_factory=dict)
    ticked: dict[str, list[str]] = field(default_factory=dict)

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
        _from_intake(exc, out.errors, names)
    return out

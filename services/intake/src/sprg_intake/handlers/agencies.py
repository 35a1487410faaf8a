"""The agencies an input may name: those of the partnership's directory.

An agency code no one knows (``croydon-health`` for ``croydon-health-services``) would be
accepted, put on the bus and then reach no one: no SPRG member told, no press office, no
owner for an action. So intake refuses it at the door with a 422 naming the field and the
agencies allowed. The list is the partnership file every service already reads to admit
tokens (``SPRG_AUTH_AGENCIES_FILE``, ``agencies[].agency_id``: the directory the notifier is
loaded from); without one (development), any well-formed code is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from sprg_intake.domain.commands import (
    RaiseEscalation,
    RecordAction,
    RecordLcsprPublication,
    RecordMember,
    ReferCaseOfConcern,
    RequestInformation,
)
from sprg_intake.handlers.incident import InvalidFact
from sprg_shared.auth import known_agencies

FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    ReferCaseOfConcern: ("agencies_involved",),
    RaiseEscalation: ("with_agency",),
    RequestInformation: ("agency",),
    RecordLcsprPublication: ("agencies", "press_offices_told"),
    RecordAction: ("owner_agency",),
    RecordMember: ("agency",),
}
"""Each command's fields that name an agency of the partnership."""


def load(path: Path | None) -> frozenset[str] | None:
    return known_agencies(path) if path is not None else None


def _named(command: BaseModel) -> Iterator[tuple[str, str]]:
    """(field path, agency code) of every agency ``command`` names."""
    for field in FIELDS.get(type(command), ()):
        value = getattr(command, field)
        if isinstance(value, str):
            yield field, value
        elif isinstance(value, list | tuple):
            for i, code in enumerate(value):
                yield f"{field}.{i}", str(code)


def refuse_unknown(command: BaseModel, known: frozenset[str] | None) -> None:
    """Raise ``InvalidFact`` (a 422 naming the field) on the first unknown agency."""
    if known is None:
        return
    for field, code in _named(command):
        if code not in known:
            raise InvalidFact(
                f"{field.split('.')[0]}: unknown agency {code!r}; "
                f"the agencies are {', '.join(sorted(known))}",
                field=field,
            )

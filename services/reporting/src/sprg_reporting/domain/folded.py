"""A rebuild's read models folded in memory: every change to a document applied in order,
as the store applies ``$set`` (dotted paths) and ``$addToSet`` ``$each`` upserts.

A rebuild then writes each document once (an insert) instead of one upsert per change:
on the store, a million events' 1.4 million upserts took about twenty minutes, one
insert per document a small part of that (bench/README.md, "Reporting rebuild").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from sprg_reporting.domain.dated_models import Change

Document = dict[str, Any]


class ConflictingChange(ValueError):
    """A dotted path runs through a value that is not a sub-document (the store refuses it)."""


def _parent(document: Document, path: str) -> tuple[Document, str]:
    *parents, last = path.split(".")
    current = document
    for part in parents:
        found = current.setdefault(part, {})
        if not isinstance(found, dict):
            msg = f"{path}: {part} is not a sub-document"
            raise ConflictingChange(msg)
        current = found
    return current, last


def _copied(value: Any) -> Any:
    """A copy that later changes can alter without altering ``value`` (a change kept for
    a replay): sub-documents all the way down, arrays one level (their elements are
    never changed in place). Several times quicker than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return list(value)
    return value


def _identity(value: Any) -> bytes:
    # Field order counts, as in the store's comparison of sub-documents (orjson keeps it;
    # several times quicker than json.dumps, a tenth of a rebuild's fold).
    return orjson.dumps(value, default=str)


def apply_change(
    document: Document, change: Change, members: dict[str, set[bytes]] | None = None
) -> None:
    """``change`` applied to ``document`` in place, as its upsert would on the store.

    ``members`` (the identities of each array's elements, by path, kept by the caller
    between changes) spares a scan of a long array for every ``$addToSet``.
    """
    members = {} if members is None else members
    for path, value in change.set.items():
        parent, name = _parent(document, path)
        parent[name] = _copied(value)
        for known in [k for k in members if k == path or k.startswith(path + ".")]:
            del members[known]  # that array was replaced
    for path, values in change.add.items():
        parent, name = _parent(document, path)
        current = parent.setdefault(name, [])
        if not isinstance(current, list):
            msg = f"{path}: not an array"
            raise ConflictingChange(msg)
        seen = members.get(path)
        if seen is None:
            seen = members[path] = {_identity(v) for v in current}
        for value in values:
            identity = _identity(value)
            if identity not in seen:
                seen.add(identity)
                current.append(_copied(value))


@dataclass
class Folded:
    """Documents by collection and key, and the changes that made each (kept so a
    document that appeared meanwhile on the store can have them applied there instead)."""

    documents: dict[str, dict[str, Document]] = field(default_factory=dict)
    changes: dict[tuple[str, str], list[Change]] = field(default_factory=dict)
    members: dict[tuple[str, str], dict[str, set[bytes]]] = field(default_factory=dict)

    def fold(self, changes: Iterable[Change]) -> None:
        for change in changes:
            if not change.set and not change.add:
                continue  # no update: its upsert would not create the document either
            documents = self.documents.setdefault(change.collection, {})
            document = documents.setdefault(change.key, {"_id": change.key})
            apply_change(
                document, change, self.members.setdefault((change.collection, change.key), {})
            )
            self.changes.setdefault((change.collection, change.key), []).append(change)

"""A rebuild's read models folded in memory: every change to a document applied in order,
as the store applies ``$set`` (dotted paths) and ``$addToSet`` ``$each`` upserts.

A rebuild then writes each document once (an insert) instead of one upsert per change:
on the store, a million events' 1.4 million upserts took about twenty minutes, one
insert per document a small part of that (bench/README.md, "Reporting rebuild").
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from sprg_reporting.domain.dated_models import Change

Document = dict[str, Any]

# An array longer than this keeps the identities of its elements between changes.
_SCANNED = 16
_PICKLE = pickle.HIGHEST_PROTOCOL


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

    ``members`` (the identities of each long array's elements, by path, kept by the
    caller between changes) spares a scan of a long array for every ``$addToSet``. Short
    arrays (most of them) are scanned instead: keeping a set for each was three quarters
    of a rebuild's memory (bench/README.md, "Reporting rebuild").
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
            seen = {_identity(v) for v in current}
            if len(current) + len(values) > _SCANNED:
                members[path] = seen
        for value in values:
            identity = _identity(value)
            if identity not in seen:
                seen.add(identity)
                current.append(_copied(value))


@dataclass
class Folded:
    """Documents by collection and key, and the changes that made each (kept, pickled, so
    a document that appeared meanwhile on the store can have them applied there instead:
    as objects they were a sixth of a rebuild's memory, pickled a small part of that)."""

    documents: dict[str, dict[str, Document]] = field(default_factory=dict)
    _changes: dict[tuple[str, str], list[bytes]] = field(default_factory=dict)
    _members: dict[tuple[str, str], dict[str, set[bytes]]] = field(default_factory=dict)

    def fold(self, changes: Iterable[Change]) -> None:
        for change in changes:
            if not change.set and not change.add:
                continue  # no update: its upsert would not create the document either
            documents = self.documents.setdefault(change.collection, {})
            document = documents.setdefault(change.key, {"_id": change.key})
            key = (change.collection, change.key)
            members = self._members.get(key) or {}
            apply_change(document, change, members)
            if members:
                self._members[key] = members
            self._changes.setdefault(key, []).append(
                pickle.dumps((change.set, change.add), _PICKLE)
            )

    def changes_of(self, collection: str, key: str) -> list[Change]:
        """The changes that made a document, in their order."""
        kept = self._changes.get((collection, key), [])
        return [Change(collection, key, *pickle.loads(change)) for change in kept]  # noqa: S301 - pickled here

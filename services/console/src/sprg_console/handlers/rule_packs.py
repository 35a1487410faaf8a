"""Rule packs for their maintainers (role rules_admin): the packs in force on a date, a
candidate's validation, golden cases and dry-run against the cases decided so far, its
upload, activation and rollback, each with a reason the rules service records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sprg_console.adapters.apis import ApiError, Document
from sprg_console.domain import forms, words
from sprg_console.handlers.context import Caller, Deps

MAX_PACK_CHARACTERS = 1_000_000
_TOP = re.compile(r"^(subject|effective_from|effective_to):\s*[\"']?([^\"'#\s]+)", re.MULTILINE)


def header(text: str) -> dict[str, str]:
    """The pack's subject and dates, from its top-level lines (the service validated it)."""
    return {m.group(1): m.group(2) for m in _TOP.finditer(text)}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class PackVersion:
    pack_id: str
    version: str
    subject: str
    effective_from: date | None
    effective_to: date | None
    uploaded_by: str
    uploaded_at: str
    active: bool

    @property
    def url(self) -> str:
        return f"/rules/{self.pack_id}/{self.version}"

    def covers(self, day: date) -> bool:
        starts = self.effective_from is None or self.effective_from <= day
        return starts and (self.effective_to is None or day <= self.effective_to)

    @property
    def dates(self) -> str:
        start = words.long_date(self.effective_from) or "the start"
        return f"from {start}" + (
            f" to {words.long_date(self.effective_to)}" if self.effective_to else ""
        )


def version_of(doc: Document) -> PackVersion:
    head = header(str(doc.get("text", "")))
    return PackVersion(
        pack_id=str(doc.get("pack_id", "")),
        version=str(doc.get("version", "")),
        subject=words.humanise(head.get("subject", "incident")),
        effective_from=_day(head.get("effective_from")),
        effective_to=_day(head.get("effective_to")),
        uploaded_by=str(doc.get("uploaded_by", "")),
        uploaded_at=str(doc.get("uploaded_at", ""))[:10],
        active=bool(doc.get("active")),
    )


@dataclass(frozen=True)
class PacksView:
    on: date
    in_force: list[PackVersion]
    """Per pack, the active version that judges a matter of that date (None shown as a gap)."""
    not_in_force: list[str]
    versions: dict[str, list[PackVersion]]


async def packs(deps: Deps, caller: Caller, on: date) -> PacksView:
    docs = await deps.apis.rule_packs.packs(caller.token)
    versions: dict[str, list[PackVersion]] = {}
    for v in sorted((version_of(d) for d in docs), key=lambda v: v.uploaded_at, reverse=True):
        versions.setdefault(v.pack_id, []).append(v)
    in_force, missing = [], []
    for pack_id, found in sorted(versions.items()):
        covering = [v for v in found if v.active and v.covers(on)]
        if covering:
            in_force.append(covering[0])  # the latest uploaded of the active ones
        else:
            missing.append(pack_id)
    return PacksView(on=on, in_force=in_force, not_in_force=missing, versions=versions)


@dataclass
class CandidateView:
    text: str
    summary: Document | None = None
    valid: bool = False
    golden_failures: list[str] = field(default_factory=list)
    compared: int = 0
    not_judged: int = 0
    not_judged_because: str = ""
    changed: int = 0
    changes: list[Document] = field(default_factory=list)
    errors: forms.Errors = field(default_factory=forms.Errors)

    @property
    def activatable(self) -> bool:
        return self.valid and not self.golden_failures


def _read_text(data: dict[str, str], errors: forms.Errors) -> str:
    text = data.get("pack", "")
    if not text.strip():
        errors.add("pack", "Paste the rule pack's text")
    elif len(text) > MAX_PACK_CHARACTERS:
        errors.add("pack", f"The rule pack must be {MAX_PACK_CHARACTERS:,} characters or fewer")
    return text


async def dry_run(deps: Deps, caller: Caller, data: dict[str, str]) -> CandidateView:
    """Validate the candidate, run its golden cases and compare it with the cases decided."""
    view = CandidateView(text=data.get("pack", ""))
    text = _read_text(data, view.errors)
    if view.errors:
        return view
    try:
        answer = await deps.apis.rule_packs.dry_run(caller.token, text)
    except ApiError as exc:
        if exc.status in (413, 422):
            view.errors.add("pack", f"The rule pack is not valid: {exc.detail}")
            return view
        raise
    view.valid = True
    view.summary = answer.get("candidate")
    view.golden_failures = [str(f) for f in answer.get("golden_failures", [])]
    view.compared = int(answer.get("cases_compared", 0))
    view.not_judged = int(answer.get("cases_not_judged", 0))
    view.not_judged_because = str(answer.get("not_judged_because") or "")
    view.changed = int(answer.get("cases_changed", 0))
    view.changes = list(answer.get("changes", []))
    return view


async def upload(
    deps: Deps, caller: Caller, data: dict[str, str]
) -> tuple[Document | None, CandidateView]:
    """Upload the candidate (the service validates it and runs its golden cases again)."""
    view = CandidateView(text=data.get("pack", ""))
    text = _read_text(data, view.errors)
    if view.errors:
        return None, view
    try:
        return await deps.apis.rule_packs.upload(caller.token, text), view
    except ApiError as exc:
        if exc.status in (409, 413, 422):
            view.errors.add("pack", f"The rule pack was not uploaded: {exc.detail}")
            return None, view
        raise


@dataclass(frozen=True)
class PackPage:
    version: PackVersion
    text: str
    history: list[Document]
    active_versions: list[str]


async def pack_page(deps: Deps, caller: Caller, pack_id: str, version: str) -> PackPage:
    doc, docs = (
        await deps.apis.rule_packs.pack(caller.token, pack_id, version),
        await deps.apis.rule_packs.packs(caller.token),
    )
    active = [
        str(d.get("version")) for d in docs if d.get("pack_id") == pack_id and d.get("active")
    ]
    listed = next(
        (d for d in docs if d.get("pack_id") == pack_id and d.get("version") == version), {}
    )
    return PackPage(
        version=version_of({**doc, "active": listed.get("active", False)}),
        text=str(doc.get("text", "")),
        history=[
            {**h, "at": words.long_date(str(h.get("at", ""))[:10])} for h in doc.get("history", [])
        ],
        active_versions=active,
    )


def reason_of(data: dict[str, str], errors: forms.Errors, what: str) -> str:
    reason = forms.text(data, "reason")
    if len(reason) < 3:
        errors.add("reason", f"Enter why you are {what} (at least 3 characters)")
    elif len(reason) > 500:
        errors.add("reason", "The reason must be 500 characters or fewer")
    return reason


async def change(
    deps: Deps, caller: Caller, pack_id: str, version: str, data: dict[str, str], what: str
) -> tuple[Document | None, forms.Errors]:
    """Activate ``version`` (what == "activate") or roll the pack back, with a reason."""
    errors = forms.Errors()
    reason = reason_of(
        data, errors, "activating this version" if what == "activate" else "rolling back"
    )
    if errors:
        return None, errors
    try:
        if what == "activate":
            done = await deps.apis.rule_packs.activate(caller.token, pack_id, version, reason)
        else:
            done = await deps.apis.rule_packs.rollback(caller.token, pack_id, reason)
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            errors.add("reason", str(exc.detail))
            return None, errors
        raise
    return done, errors


def change_rows(changes: list[Document]) -> list[dict[str, Any]]:
    return [
        {
            "case_id": str(c.get("case_id", "")),
            "field": words.humanise(c.get("field")),
            "before": c.get("before"),
            "after": c.get("after"),
        }
        for c in changes
    ]

"""The rule pack lifecycle: upload (validate and test), diff, activate, rollback, list.

Maintainers change rules without redeploying anything: a pack is data, checked here,
then activated on the compacted topic that every replica follows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sprg_rules.adapters.pack_store import PackStore, pack_document
from sprg_rules.adapters.pack_watcher import ActivePacks
from sprg_rules.adapters.ports import DecisionStore, SubjectStore
from sprg_rules.domain.assess import to_contract
from sprg_rules.domain.decide import decide, to_output
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import Evaluation, RulePack, evaluate
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.goldens import run_golden_cases
from sprg_rules.domain.loader import PackError, parse_pack
from sprg_shared.auth import Principal
from sprg_shared.calendar import WorkingDayCalendar
from sprg_shared.contracts.rulepacks import RulepackActivated
from sprg_shared.envelope import Envelope, EventData
from sprg_shared.ids import new_id

COMPARED = (
    "panel_notification",
    "rapid_review",
    "dfe_ofsted_notification",
    "csab_liaison",
    "clocks",
)
DIFF_CASE_LIMIT = 10_000


class PackRejected(Exception):
    """The pack is not valid, or its own golden cases fail: nothing was stored."""


class PackNotFound(LookupError):
    """No such pack version was uploaded."""


class NothingToRollBack(Exception):
    """Rolling back would leave no version of the pack in force."""


@dataclass(frozen=True)
class AdminDeps:
    store: PackStore
    decisions: DecisionStore
    packs: ActivePacks
    pack_in_force: Callable[[CaseFacts], RulePack]
    calendar: WorkingDayCalendar
    engine: RuleEngine
    publish: Callable[[EventData, str, str | None], Awaitable[Envelope]]
    now: Callable[[], datetime]
    subjects: SubjectStore
    kind_pack: Callable[[str], RulePack]


def checked(text: str, engine: RuleEngine | None = None) -> RulePack:
    """Parse, validate and compile a pack and run its golden cases, or say what is wrong."""
    try:
        rulepack = parse_pack(text)
    except PackError as exc:
        raise PackRejected(str(exc)) from exc
    failures = run_golden_cases(rulepack, WorkingDayCalendar(), engine)
    if failures:
        raise PackRejected("golden cases fail: " + "; ".join(str(f) for f in failures))
    return rulepack


def parsed(text: str) -> RulePack:
    """Parse, validate and compile a pack (its golden cases not run), or say what is wrong."""
    try:
        return parse_pack(text)
    except PackError as exc:
        raise PackRejected(str(exc)) from exc


def summary(rulepack: RulePack) -> dict[str, Any]:
    pack = rulepack.pack
    return {
        "id": pack.id,
        "version": pack.version,
        "hash": rulepack.content_hash,
        "effective_from": pack.effective_from.isoformat(),
        "effective_to": pack.effective_to.isoformat() if pack.effective_to else None,
        "rules": len(pack.rules),
        "golden_cases": len(pack.golden),
    }


async def upload(text: str, principal: Principal, deps: AdminDeps) -> dict[str, Any]:
    rulepack = await asyncio.to_thread(checked, text, deps.engine)
    pack = rulepack.pack
    doc = pack_document(
        pack.id, pack.version, rulepack.content_hash, text, principal.subject, deps.now()
    )
    created = await deps.store.add(doc)
    return {**summary(rulepack), "created": created}


def _compare(before: Evaluation, after: Evaluation, case_id: str) -> list[dict[str, Any]]:
    old, new = to_contract(case_id, before), to_contract(case_id, after)
    return [
        {"case_id": case_id, "field": field, "before": old[field], "after": new[field]}
        for field in COMPARED
        if old[field] != new[field]
    ]


def _diff_all(
    facts: dict[str, CaseFacts], candidate: RulePack, deps: AdminDeps
) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for case_id, case in sorted(facts.items()):
        before = evaluate(case, deps.pack_in_force(case), deps.calendar, deps.engine)
        after = evaluate(case, candidate, deps.calendar, deps.engine)
        changes.extend(_compare(before, after, case_id))
    return changes


def _diff_matters(
    facts: dict[str, dict[str, Any]], candidate: RulePack, deps: AdminDeps
) -> list[dict[str, Any]]:
    """For a pack about meetings, escalations...: every answer or clock that would change."""
    kind = candidate.pack.subject
    current = deps.kind_pack(kind)
    changes: list[dict[str, Any]] = []
    for subject_id, matter in sorted(facts.items()):
        old = to_output(decide(kind, matter, deps.calendar, current, deps.engine))
        new = to_output(decide(kind, matter, deps.calendar, candidate, deps.engine))
        for field in sorted((set(old) | set(new)) - {"rulepack", "decisions"}):
            if old.get(field) != new.get(field):
                changes.append(
                    {
                        "case_id": subject_id,
                        "field": field,
                        "before": old.get(field),
                        "after": new.get(field),
                    }
                )
    return changes


def _effective(pack: RulePack) -> str:
    to = pack.pack.effective_to
    return f"effective from {pack.pack.effective_from}" + (f" to {to}" if to else "")


async def diff(text: str, deps: AdminDeps) -> dict[str, Any]:
    """What the candidate would decide differently, once activated, for the cases decided
    so far that it would judge: a case is judged by the pack in force on its legal date
    (the awareness date; for other matters, the day they are decided, today), so a pack
    effective from a later date changes no case before it.

    A pack whose own golden cases fail may still be tried (the answer lists the failures
    and says it cannot be activated: upload refuses it)."""
    candidate = await asyncio.to_thread(parsed, text)
    failures = await asyncio.to_thread(
        run_golden_cases, candidate, WorkingDayCalendar(), deps.engine
    )
    head = {
        "candidate": summary(candidate),
        "golden_failures": [str(f) for f in failures],
        "activatable": not failures,
    }
    kind = candidate.pack.subject
    if kind != "incident":
        matters = await deps.subjects.latest_facts(kind, DIFF_CASE_LIMIT)
        today = deps.now().date()
        judged = matters if candidate.pack.in_force_on(today) else {}
        found = await asyncio.to_thread(_diff_matters, judged, candidate, deps)
        return {
            **head,
            "cases_compared": len(judged),
            "cases_not_judged": len(matters) - len(judged),
            "not_judged_because": None
            if judged or not matters
            else f"the pack is {_effective(candidate)}, not in force on {today}",
            "cases_changed": len({c["case_id"] for c in found}),
            "changes": found,
        }
    stored = await deps.decisions.latest_facts(DIFF_CASE_LIMIT)
    facts = {case_id: CaseFacts.model_validate(doc) for case_id, doc in stored.items()}
    cases = {k: f for k, f in facts.items() if candidate.pack.in_force_on(f.aware_date)}
    changes = await asyncio.to_thread(_diff_all, cases, candidate, deps)
    return {
        **head,
        "cases_compared": len(cases),
        "cases_not_judged": len(facts) - len(cases),
        "not_judged_because": f"aware before or after the pack's dates ({_effective(candidate)})"
        if len(cases) < len(facts)
        else None,
        "cases_changed": len({c["case_id"] for c in changes}),
        "changes": changes,
    }


async def _announce(
    pack_id: str,
    version: str,
    status: Literal["active", "withdrawn"],
    principal: Principal,
    reason: str,
    deps: AdminDeps,
) -> dict[str, Any]:
    doc = await deps.store.get(pack_id, version)
    if doc is None:
        raise PackNotFound(f"{pack_id}@{version} was never uploaded")
    at = deps.now()
    event = RulepackActivated(
        pack_id=pack_id,
        version=version,
        hash=doc["hash"],
        text=doc["text"],
        status=status,
        by=principal.subject,
        at=at,
        reason=reason,
    )
    await deps.store.record(
        {
            "pack_id": pack_id,
            "version": version,
            "status": status,
            "by": principal.subject,
            "reason": reason,
            "at": at,
        }
    )
    await deps.publish(event, new_id(), None)
    return {"pack": f"{pack_id}@{version}", "status": status, "at": at.isoformat()}


async def wait_until_applied(
    deps: AdminDeps, pack_id: str, check: Callable[[list[str]], bool]
) -> bool:
    """Read-your-writes: until this replica has applied the change (a few seconds at most)."""
    async with asyncio.timeout(15):
        # The watcher is a thread, not a task: poll its result.
        while not check(deps.packs.current().versions(pack_id)):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    return True


async def activate(
    pack_id: str, version: str, principal: Principal, reason: str, deps: AdminDeps
) -> dict[str, Any]:
    result = await _announce(pack_id, version, "active", principal, reason, deps)
    await wait_until_applied(deps, pack_id, lambda versions: versions[:1] == [version])
    return result


async def rollback(
    pack_id: str, principal: Principal, reason: str, deps: AdminDeps
) -> dict[str, Any]:
    versions = deps.packs.current().versions(pack_id)
    if len(versions) < 2:
        raise NothingToRollBack(f"{pack_id} has no earlier active version to return to")
    result = await _announce(pack_id, versions[0], "withdrawn", principal, reason, deps)
    await wait_until_applied(deps, pack_id, lambda now: versions[0] not in now)
    # Which version judges a case still depends on its date: list what remains active.
    return {**result, "still_active": versions[1:]}


async def listing(deps: AdminDeps) -> list[dict[str, Any]]:
    current = deps.packs.current()
    return [
        {**doc, "active": doc["version"] in current.versions(doc["pack_id"])}
        for doc in await deps.store.all()
    ]

"""The console's rule-pack pages for rules maintainers, through ``bootstrap.build`` with an
in-memory rules service: packs in force by date, a candidate's validation, golden cases
and dry-run, its upload, activation and rollback with a reason."""

from __future__ import annotations

from datetime import date

from tests.unit.console_fakes import World
from tests.unit.test_console import _csrf, _text

PACK_2025 = (
    "id: sprg-england\nversion: '2025.1'\neffective_from: 2025-01-01\neffective_to: 2026-03-31\n"
)
PACK_2026 = "id: sprg-england\nversion: '2026.1'\neffective_from: 2026-04-01\n"
CANDIDATE = "id: sprg-england\nversion: 2026.2\neffective_from: 2026-12-01\nrules: []\n"


def world() -> World:
    w = World(today=date(2026, 12, 3))
    w.rule_packs.packs_ = [
        {
            "pack_id": "sprg-england",
            "version": v,
            "text": text,
            "uploaded_by": "demo-rules-admin",
            "uploaded_at": at,
            "active": True,
        }
        for v, text, at in (
            ("2025.1", PACK_2025, "2025-01-02T09:00:00Z"),
            ("2026.1", PACK_2026, "2026-03-20T09:00:00Z"),
        )
    ]
    return w


async def test_the_packs_in_force_depend_on_the_date() -> None:
    async with world().signed_in("rulesadmin") as browser:
        today = await browser.get("/rules")
        earlier = await browser.get(
            "/rules", params={"on-day": "1", "on-month": "6", "on-year": "2025"}
        )
        before_all = await browser.get(
            "/rules", params={"on-day": "1", "on-month": "6", "on-year": "2020"}
        )

    def in_force(page: str) -> str:
        text = _text(page)
        return text[text.index("In force on") : text.index("Every version uploaded")]

    assert "3 December 2026" in in_force(today.text) and "2026.1" in in_force(today.text)
    assert "2025.1" not in in_force(today.text)
    assert "2025.1" in in_force(earlier.text) and "2026.1" not in in_force(earlier.text)
    assert "No version in force on this date" in in_force(before_all.text)


async def test_only_rules_maintainers_see_the_packs() -> None:
    async with world().signed_in("bt") as browser:
        page = await browser.get("/rules")
    assert page.status_code == 403


async def test_a_candidate_is_validated_its_golden_cases_run_and_dry_run_shown() -> None:
    w = world()
    w.rule_packs.changes = [
        {
            "case_id": "c-0001",
            "field": "sin_notification_due",
            "before": "2026-12-07",
            "after": "2026-12-08",
        }
    ]
    async with w.signed_in("rulesadmin") as browser:
        form = await browser.get("/rules/candidate")
        csrf = _csrf(form.text)
        empty = await browser.post(
            "/rules/candidate", data={"csrf_token": csrf, "pack": " ", "action": "dry_run"}
        )
        invalid = await browser.post(
            "/rules/candidate", data={"csrf_token": csrf, "pack": "not yaml", "action": "dry_run"}
        )
        tried = await browser.post(
            "/rules/candidate", data={"csrf_token": csrf, "pack": CANDIDATE, "action": "dry_run"}
        )
    assert empty.status_code == 400 and "Paste the rule pack's text" in _text(empty.text)
    assert invalid.status_code == 400
    assert "The rule pack is not valid: the pack is not valid: line 1" in _text(invalid.text)
    text = _text(tried.text)
    assert "sprg-england version 2026.2" in text
    assert "All 9 golden cases give the answers the pack expects" in text
    assert "3 compared; 1 would be decided differently" in text
    assert "notification due 2026-12-07 2026-12-08" in text
    assert "Upload this version" in text
    assert w.rule_packs.dry_runs == [CANDIDATE]
    assert w.rule_packs.uploads == []  # a dry-run changes nothing


async def test_a_candidate_whose_golden_cases_fail_cannot_be_uploaded() -> None:
    w = world()
    w.rule_packs.golden_failures = ["G3: expected sin_required, got sin_not_required"]
    async with w.signed_in("rulesadmin") as browser:
        form = await browser.get("/rules/candidate")
        tried = await browser.post(
            "/rules/candidate",
            data={"csrf_token": _csrf(form.text), "pack": CANDIDATE, "action": "dry_run"},
        )
    text = _text(tried.text)
    assert "1 of 9 golden cases fail" in text and "G3: expected sin_required" in text
    assert "Upload this version" not in text


async def test_upload_then_activate_with_a_reason() -> None:
    w = world()
    async with w.signed_in("rulesadmin") as browser:
        form = await browser.get("/rules/candidate")
        csrf = _csrf(form.text)
        uploaded = await browser.post(
            "/rules/candidate", data={"csrf_token": csrf, "pack": CANDIDATE, "action": "upload"}
        )
        assert str(uploaded.url).endswith("/rules/sprg-england/2026.2?uploaded=1")
        assert "It is not in force until you activate it" in _text(uploaded.text)
        no_reason = await browser.post(
            "/rules/sprg-england/2026.2/activate", data={"csrf_token": csrf, "reason": "x"}
        )
        assert no_reason.status_code == 400
        assert "Enter why you are activating this version" in _text(no_reason.text)
        assert w.rule_packs.activated == []
        done = await browser.post(
            "/rules/sprg-england/2026.2/activate",
            data={"csrf_token": csrf, "reason": "Working Together 2026 update"},
        )
    assert done.status_code == 200 and "Version activated" in _text(done.text)
    assert w.rule_packs.activated == [
        {"pack": "sprg-england@2026.2", "reason": "Working Together 2026 update"}
    ]


async def test_rollback_with_a_reason_and_the_services_refusal_shown() -> None:
    w = world()
    async with w.signed_in("rulesadmin") as browser:
        page = await browser.get("/rules/sprg-england/2026.1")
        assert "Roll back sprg-england" in _text(page.text)
        done = await browser.post(
            "/rules/sprg-england/2026.1/rollback",
            data={"csrf_token": _csrf(page.text), "reason": "Wrong deadline in rule S2"},
        )
        assert "Version rolled back" in _text(done.text)
        again = await browser.post(
            "/rules/sprg-england/2025.1/rollback",
            data={"csrf_token": _csrf(page.text), "reason": "Once more"},
        )
    assert w.rule_packs.rolled_back == [
        {"pack": "sprg-england", "reason": "Wrong deadline in rule S2"}
    ]
    assert again.status_code == 400
    assert "has no earlier active version to return to" in _text(again.text)


async def test_a_form_without_the_sessions_token_is_refused() -> None:
    w = world()
    async with w.signed_in("rulesadmin") as browser:
        page = await browser.post(
            "/rules/sprg-england/2026.1/rollback", data={"csrf_token": "forged", "reason": "abc"}
        )
    assert page.status_code == 400 and w.rule_packs.rolled_back == []

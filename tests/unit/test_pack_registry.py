"""Which pack version judges a case: the one in force on its date, latest activation first."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest

from sprg_rules.domain.evaluate import RulePack
from sprg_rules.domain.loader import parse_pack
from sprg_rules.domain.registry import NoPackInForce, PackSet

BASE = resources.files("sprg_rules.packs").joinpath("statutory-england.yaml").read_text()


def variant(version: str, effective_from: str, effective_to: str | None = None) -> RulePack:
    text = BASE.replace('version: "2026.1"', f'version: "{version}"').replace(
        "effective_from: 2024-12-01",
        f"effective_from: {effective_from}"
        + (f"\neffective_to: {effective_to}" if effective_to else ""),
    )
    return parse_pack(text)


def test_a_case_is_judged_by_the_version_in_force_on_its_date() -> None:
    packs = (
        PackSet()
        .activate(variant("2025", "2025-01-01", "2027-01-01"), sequence=1)
        .activate(variant("2027", "2027-01-01"), sequence=2)
    )
    assert packs.in_force("statutory-england", date(2026, 12, 31)).pack.version == "2025"
    assert packs.in_force("statutory-england", date(2027, 1, 1)).pack.version == "2027"
    with pytest.raises(NoPackInForce, match="in force on 2024-06-01"):
        packs.in_force("statutory-england", date(2024, 6, 1))


def test_the_latest_activation_wins_and_a_withdrawal_brings_back_the_previous() -> None:
    packs = (
        PackSet()
        .activate(variant("a", "2025-01-01"), sequence=1)
        .activate(variant("b", "2025-01-01"), sequence=2)
    )
    assert packs.in_force("statutory-england", date(2026, 5, 1)).pack.version == "b"
    assert packs.versions("statutory-england") == ["b", "a"]
    rolled_back = packs.withdraw("statutory-england", "b")
    assert rolled_back.in_force("statutory-england", date(2026, 5, 1)).pack.version == "a"
    reactivated = rolled_back.activate(variant("b", "2025-01-01"), sequence=3)
    assert reactivated.versions("statutory-england") == ["b", "a"]
    assert packs.versions("statutory-england") == ["b", "a"]  # the old set is unchanged

"""Packs beyond the incident: subjects, vocabularies, tables, golden cases, the engine."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

import pytest

from sprg_rules.domain.decide import (
    KINDS,
    UnknownKindError,
    decide,
    load_kind_pack,
    run_kind_golden_cases,
)
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import (
    EngineDisagreementError,
    WrongSubjectError,
    content_hash,
    evaluate,
)
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.goldens import run_golden_cases
from sprg_rules.domain.loader import PackError, load_default_pack, parse_pack
from sprg_shared.calendar import WorkingDayCalendar

CAL = WorkingDayCalendar()


def _text(kind: str) -> str:
    file = KINDS[kind].pack_file
    return resources.files("sprg_rules.packs").joinpath(file).read_text(encoding="utf-8")


def _edited(kind: str, old: str, new: str) -> str:
    text = _text(kind)
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_golden_cases_of_each_shipped_pack_pass(kind: str) -> None:
    rulepack = load_kind_pack(kind)
    assert rulepack.pack.subject == kind
    assert len(rulepack.pack.golden) >= 3
    assert [str(failure) for failure in run_kind_golden_cases(rulepack, CAL)] == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_rule_cites_a_source_and_explains_both_ways(kind: str) -> None:
    pack = load_kind_pack(kind).pack
    for rule in pack.rules:
        assert rule.source.strip() and rule.title.strip()
    for question in pack.questions:
        assert question.source.strip()


def test_golden_cases_run_whatever_the_subject() -> None:
    """``sprg rules test`` runs any pack's golden cases through ``run_golden_cases``."""
    for rulepack in (load_default_pack(), *(load_kind_pack(kind) for kind in KINDS)):
        assert rulepack.pack.golden
        assert run_golden_cases(rulepack, CAL) == []


def test_a_broken_golden_case_is_reported() -> None:
    text = _edited("escalation", "      tracked: false\n", "      tracked: true\n")
    failures = run_kind_golden_cases(parse_pack(text), CAL)
    assert [(f.case, f.field) for f in failures] == [("stage-2-is-informal", "tracked")]


def test_the_statutory_pack_keeps_its_content_hash() -> None:
    """Adding ``subject`` and ``tables`` to the format must not re-hash stored packs."""
    pack = load_default_pack()
    data = pack.pack.model_dump(mode="json", by_alias=True)
    assert data.pop("subject") == "incident"
    assert data.pop("tables") == {
        "escalation_stages": [], "coc_approaches": [], "quorum_partners": []
    }  # fmt: skip
    # ``child.age_years`` was ``child.age`` when the pack was stored: hashed under that name.
    canonical = json.dumps(data, sort_keys=True).replace("child.age_years", "child.age")
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert pack.content_hash == expected == content_hash(pack.pack)
    assert pack.content_hash == STATUTORY_2026_1_HASH


STATUTORY_2026_1_HASH = "198f189933ade0ad5a6204224b133c3901fd7ea08c8e3310978bf8b1a23acb35"
"""statutory-england 2026.1 as decisions have named it since it shipped."""


def test_a_pack_written_before_the_age_rename_reads_the_same_and_keeps_its_hash() -> None:
    """A child's age is ``age_years`` on the wire and in the packs; a stored pack that says
    ``child.age`` is read as that, decides alike and is not re-hashed."""
    shipped = load_default_pack()
    text = (
        resources.files("sprg_rules")
        .joinpath("packs", "statutory-england.yaml")
        .read_text(encoding="utf-8")
        .replace("child.age_years", "child.age")
    )
    assert "child.age_years" not in text
    old = parse_pack(text)
    assert old.content_hash == shipped.content_hash == STATUTORY_2026_1_HASH
    assert old.pack == shipped.pack
    assert run_golden_cases(old, CAL) == []


def test_subject_and_tables_are_part_of_a_subject_packs_hash() -> None:
    base = load_kind_pack("escalation")
    edited = parse_pack(
        _edited("escalation", "resolve_within_working_days: 5", "resolve_within_working_days: 6")
    )
    assert edited.content_hash != base.content_hash


@pytest.mark.parametrize(
    ("kind", "old", "new", "message"),
    [
        ("meeting", "fact: partner.represented, op: eq", "fact: child.looked_after, op: eq",
         "fact 'child.looked_after' is not in the meeting vocabulary"),
        ("escalation", "outcome: sprg_oversight", "outcome: rapid_review_required",
         "outcome 'rapid_review_required' is not a escalation outcome"),
        ("escalation", "{escalation.stage_name}), Stage 3", "{child.age_years}), Stage 3",
         "fact 'child.age_years' is not in the escalation vocabulary"),
        ("meeting", "{partner.name} represented", "{partner.town} represented",
         "unknown fact {partner.town}"),
        ("meeting", "{partner.name} represented", "{meeting.3} represented",
         "is not a fact placeholder"),
        ("meeting", "fact: partner.represented, op: eq",
         "fact: partner.name, op: eq", "operator 'eq' not allowed on text fact"),
        ("meeting", "    - {id: police, name: \"the Police\"}\n", "",
         "tables.quorum_partners: name each of csc, icb, police once"),
        ("escalation", "    - stage: 2\n", "    - stage: 7\n", "stages must be 1, 2, 3"),
        ("case-of-concern", "subject: case_of_concern", "subject: escalation",
         "fact 'coc.meets_sin_criteria' is not in the escalation vocabulary"),
        ("case-of-concern", "tables:\n", "tables:\n  quorum_partners: [{id: csc, name: x}]\n",
         "tables.quorum_partners: belongs to (and is required by) packs about meeting"),
        ("sprg-meeting", "tables:\n  quorum_partners:", "unused:\n  quorum_partners:",
         "unused"),
        ("lcspr-decision", "subject: lcspr_decision", "subject: parking_fines", "subject"),
        ("lcspr-publication", "value: false,\n           says: \"the safeguarding",
         "value: maybe,\n           says: \"the safeguarding", "must be a bool"),
    ],
)  # fmt: skip
def test_subject_pack_errors_are_clear(kind: str, old: str, new: str, message: str) -> None:
    names = {KINDS[k].pack_file.removesuffix(".yaml"): k for k in KINDS}
    with pytest.raises(PackError) as caught:
        parse_pack(_edited(names.get(kind, kind), old, new), origin="edited.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("edited.yaml: ")


def test_the_statutory_pack_refuses_facts_of_other_subjects() -> None:
    text = (
        resources.files("sprg_rules.packs").joinpath("statutory-england.yaml").read_text()
    ).replace("fact: child.looked_after, op: eq", "fact: escalation.formal, op: eq", 1)
    with pytest.raises(PackError, match="not in the incident vocabulary"):
        parse_pack(text)


def test_a_table_edit_changes_the_answer_without_code() -> None:
    edited = parse_pack(
        _edited(
            "escalation",
            "      name: senior managers and safeguarding leads\n      formal: true\n"
            "      parties: [the agencies' senior or service managers, the named or designated "
            "safeguarding professionals]\n      resolve_within_working_days: 5",
            "      name: senior managers and safeguarding leads\n      formal: true\n"
            "      parties: [the Designated Nurse]\n      resolve_within_working_days: 10",
        )
    )
    facts = {"stage": 3, "stage_started_date": "2026-03-02"}
    answer = decide("escalation", facts, CAL, edited)
    assert answer.answer["stage"]["parties"] == ["the Designated Nurse"]
    assert answer.evaluation.clocks["escalation_stage"].due.isoformat() == "2026-03-16"
    assert (
        decide("escalation", facts, CAL).evaluation.clocks["escalation_stage"].due.isoformat()
        == "2026-03-09"
    )


def test_unknown_kind_and_wrong_pack_are_refused() -> None:
    with pytest.raises(UnknownKindError, match="unknown decision kind 'parking'"):
        decide("parking", {})
    with pytest.raises(UnknownKindError, match="not escalation"):
        decide("escalation", {"stage": 1, "stage_started_date": "2026-03-02"},
               rulepack=load_kind_pack("meeting"))  # fmt: skip
    case = CaseFacts.model_validate(
        {"aware_date": "2026-01-02",
         "event": {"kind": "death", "date": "2026-01-01", "location": "in_area",
                   "abuse_or_neglect": "known"},
         "children": [{"age": 3, "looked_after": False, "care_leaver": False,
                       "normally_resident_in_area": True}]}
    )  # fmt: skip
    with pytest.raises(WrongSubjectError):
        evaluate(case, load_kind_pack("meeting"), CAL)


def test_engine_disagreement_is_an_error_for_every_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = RuleEngine()
    monkeypatch.setattr(engine, "fired", lambda *_args: set())
    with pytest.raises(EngineDisagreementError):
        decide("escalation", {"stage": 4, "stage_started_date": "2026-03-02"}, CAL, None, engine)


def test_each_pack_compiles_once_and_uses_one_session() -> None:
    engine = RuleEngine()
    for _ in range(30):
        for kind in KINDS:
            for golden in load_kind_pack(kind).pack.golden:
                decide(kind, golden.input, CAL, None, engine)
    assert engine.compiled_rulesets() == len(KINDS)


def _all_goldens() -> list[tuple[str, dict[str, Any]]]:
    return [(kind, g.input) for kind in sorted(KINDS) for g in load_kind_pack(kind).pack.golden]


def test_decisions_are_deterministic_and_json_ready() -> None:
    for kind, facts in _all_goldens():
        first, second = decide(kind, facts, CAL), decide(kind, facts, CAL)
        assert first == second
        json.dumps(first.answer)
        assert first.evaluation.decisions, f"{kind} explains itself"
        for decision in first.evaluation.decisions:
            assert decision.because and decision.source
            assert not any("{" in reason for reason in decision.because), decision

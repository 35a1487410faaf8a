"""The assessment contract: worked examples, bad input, rule-pack loading, invariants."""

from __future__ import annotations

import json
import random
import subprocess
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from sprg_rules.domain import evaluate as evaluate_module
from sprg_rules.domain.assess import assess, assess_facts
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import EngineDisagreementError
from sprg_rules.domain.facts import AssessmentInput, age_on, derive_facts
from sprg_rules.domain.goldens import run_golden_cases
from sprg_rules.domain.loader import PackError, load_default_pack, parse_pack
from sprg_rules.domain.parsing import InputError, parse_assessment_input
from sprg_shared.calendar import WorkingDayCalendar

REPO = Path(__file__).resolve().parents[2]
# The assessment contract's worked examples, carried by the project (a clean clone has no
# specs beside it).
EXAMPLES = REPO / "tests" / "data" / "examples"
SPRG = REPO / ".venv" / "bin" / "sprg"
PACK_FILE = REPO / "services/rules/src/sprg_rules/packs/statutory-england.yaml"
CAL = WorkingDayCalendar()
PACK = load_default_pack()
OUTPUT_KEYS = {
    "case_id", "rulepack", "panel_notification", "rapid_review",
    "dfe_ofsted_notification", "csab_liaison", "clocks", "decisions",
}  # fmt: skip


def _examples() -> list[Path]:
    found = sorted(EXAMPLES.glob("E*.json"))
    assert found, f"no worked examples in {EXAMPLES}"
    return found


def _run(case: dict[str, Any]) -> dict[str, Any]:
    return assess(AssessmentInput.model_validate(case), PACK, CAL)


# --- the worked examples -------------------------------------------------------------


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.stem)
def test_worked_example(path: Path) -> None:
    example = json.loads(path.read_text())
    output = assess(parse_assessment_input(json.dumps(example["input"])), PACK, CAL)
    assert set(output) == OUTPUT_KEYS
    assert output["case_id"] == example["input"]["case_id"]
    assert output["rulepack"] == {"id": "statutory-england", "version": PACK.pack.version}
    compared = {key: output[key] for key in example["expected"]}
    assert compared == example["expected"]
    assert output["decisions"], "every assessment explains itself"
    for decision in output["decisions"]:
        assert set(decision) == {"rule", "outcome", "because", "source"}
        assert decision["source"].strip()
        assert decision["because"]
        assert all(isinstance(reason, str) and reason for reason in decision["because"])


def test_decision_reads_like_the_contract() -> None:
    example = json.loads((EXAMPLES / "E1.json").read_text())
    decisions = _run(example["input"])["decisions"]
    assert decisions[0] == {
        "rule": "sin.s16c_1_a",
        "outcome": "panel_notification_required",
        "because": [
            "child aged 4 on 2026-04-01", "abuse or neglect suspected", "death", "in the area",
        ],
        "source": "Children Act 2004 s16C(1)(a)",
    }  # fmt: skip


def test_nothing_required_still_explains_why() -> None:
    example = json.loads((EXAMPLES / "E5.json").read_text())
    decisions = _run(example["input"])["decisions"]
    sin = next(d for d in decisions if d["outcome"] == "panel_notification_not_required")
    assert "no abuse or neglect known or suspected" in sin["because"]
    assert sin["source"] == "Children Act 2004 s16C(1)"


def test_golden_cases_of_the_shipped_pack_pass() -> None:
    assert PACK.pack.golden
    assert [str(failure) for failure in run_golden_cases(PACK, CAL)] == []


def test_case_facts_alone_give_the_same_answer() -> None:
    for path in _examples():
        case = AssessmentInput.model_validate(json.loads(path.read_text())["input"])
        facts = derive_facts(case)
        assert "date_of_birth" not in facts.model_dump_json()
        assert assess_facts(case.case_id, facts, PACK, CAL) == assess(case, PACK, CAL)


# --- the command line -------------------------------------------------------------------


def _sprg(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SPRG), "assess", *(args or ("-",))],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_cli_reads_a_file_and_stdin(tmp_path: Path) -> None:
    example = json.loads((EXAMPLES / "E6.json").read_text())
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(example["input"]))
    from_file = _sprg("", str(case_file))
    from_stdin = _sprg(json.dumps(example["input"]))
    assert from_file.returncode == 0, from_file.stderr
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_file.stdout == from_stdin.stdout
    assert from_file.stdout.count("\n") == 1
    output = json.loads(from_file.stdout)
    assert {key: output[key] for key in example["expected"]} == example["expected"]


def _base() -> dict[str, Any]:
    case: dict[str, Any] = json.loads((EXAMPLES / "E1.json").read_text())["input"]
    return case


def _with(path: str, value: Any) -> str:
    case = _base()
    *parents, last = path.split(".")
    target: Any = case
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return json.dumps(case)


_DELETE = object()
_CHILD = _base()["children"][0]

BAD_INPUTS = [
    ("not-json", "{not json", "not valid JSON"),
    ("array", "[]", "JSON object"),
    ("missing-field", _with("aware_date", _DELETE), "aware_date"),
    ("missing-nested", _with("event.kind", _DELETE), "event.kind"),
    ("unknown-field", _with("colour", "red"), "colour"),
    ("unknown-child-field", _with("children.0.name", "A"), "children.0.name"),
    ("nonexistent-date", _with("children.0.date_of_birth", "2026-02-30"),
     "children.0.date_of_birth: invalid date '2026-02-30'"),
    ("not-a-date", _with("aware_date", "next week"), "aware_date"),
    ("number-as-date", _with("aware_date", 20260402), "aware_date"),
    ("enum-outside-set", _with("event.location", "wales"), "event.location"),
    ("enum-wrong-case", _with("event.kind", "Death"), "event.kind"),
    ("string-bool", _with("children.0.looked_after", "yes"), "children.0.looked_after"),
    ("no-children", _with("children", []), "children"),
    ("five-children", _with("children", [_CHILD] * 5), "children"),
    ("dob-after-event", _with("children.0.date_of_birth", "2026-04-02"),
     "children.0.date_of_birth"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "names"), [(b, n) for _, b, n in BAD_INPUTS],
                         ids=[i for i, _, _ in BAD_INPUTS])  # fmt: skip
def test_cli_refuses_bad_input_with_one_line(body: str, names: str) -> None:
    result = _sprg(body)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert names in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = _sprg("", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_parse_error_names_the_field() -> None:
    with pytest.raises(InputError) as caught:
        parse_assessment_input(_with("event.abuse_or_neglect", "maybe"))
    assert caught.value.field == "event.abuse_or_neglect"


# --- ages ---------------------------------------------------------------------------------


def test_age_on_leap_day_birthday_follows_family_law_reform_act_s9() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert age_on(born, date(2028, 2, 29)) == 20
    assert age_on(born, date(2028, 2, 28)) == 19


def _case(
    born: date, event: date, *, kind: str = "death", abuse: str = "known",
    location: str = "in_area", care_leaver: bool = False, looked_after: bool = False,
) -> dict[str, Any]:  # fmt: skip
    return {
        "case_id": "prop",
        "aware_date": (event + timedelta(days=1)).isoformat(),
        "event": {"kind": kind, "date": event.isoformat(), "location": location,
                  "abuse_or_neglect": abuse},
        "children": [{"date_of_birth": born.isoformat(), "looked_after": looked_after,
                      "care_leaver": care_leaver, "normally_resident_in_area": True}],
    }  # fmt: skip


def _birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year: the birthday is 1 March
        return date(born.year + years, 3, 1)


def test_age_boundaries_over_many_birthdays() -> None:
    rng = random.Random(18)
    for _ in range(150):
        born = date(1995, 1, 1) + timedelta(days=rng.randrange(0, 365 * 12))
        eighteenth, twenty_fifth = _birthday(born, 18), _birthday(born, 25)
        day = timedelta(days=1)
        assert _run(_case(born, eighteenth - day))["panel_notification"]["required"]
        assert not _run(_case(born, eighteenth))["panel_notification"]["required"]
        adult = _run(_case(born, eighteenth, abuse="none", care_leaver=True))
        assert adult["csab_liaison"]["required"]
        last = _run(_case(born, twenty_fifth - day, abuse="none", care_leaver=True))
        assert last["dfe_ofsted_notification"]["reasons"] == ["care_leaver_death"]
        assert last["csab_liaison"]["required"]
        over = _run(_case(born, twenty_fifth, abuse="none", care_leaver=True))
        assert not over["dfe_ofsted_notification"]["required"]
        assert not over["csab_liaison"]["required"]


# --- invariants over many random cases --------------------------------------------------


def _random_case(rng: random.Random, index: int) -> dict[str, Any]:
    event = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 365 * 3))
    aware = event + timedelta(days=rng.randrange(0, 20))
    children = [
        {"date_of_birth": (event - timedelta(days=rng.randrange(0, 365 * 27))).isoformat(),
         "looked_after": rng.random() < 0.3, "care_leaver": rng.random() < 0.3,
         "normally_resident_in_area": rng.random() < 0.7}
        for _ in range(rng.randint(1, 4))
    ]  # fmt: skip

    def maybe(after: date) -> str | None:
        if rng.random() < 0.6:
            return None
        return (after + timedelta(days=rng.randrange(0, 40))).isoformat()

    return {
        "case_id": f"R{index}",
        "aware_date": aware.isoformat(),
        "event": {"kind": rng.choice(["death", "serious_harm", "other"]), "date": event.isoformat(),
                  "location": rng.choice(["in_area", "elsewhere_in_england", "outside_england"]),
                  "abuse_or_neglect": rng.choice(["known", "suspected", "none"])},
        "children": children,
        "sin_submitted_date": maybe(aware),
        "criteria_not_met_date": maybe(aware),
        "lcspr": {"commissioned_date": maybe(aware), "planned_publication_date": maybe(aware)},
    }  # fmt: skip


def _oracle(case: dict[str, Any]) -> dict[str, Any]:
    """domain.md sections 2-3 written out independently of the pack."""
    event = case["event"]
    ages = [age_on(date.fromisoformat(c["date_of_birth"]), date.fromisoformat(event["date"]))
            for c in case["children"]]  # fmt: skip
    harmful = event["abuse_or_neglect"] != "none" and event["kind"] != "other"
    subsections = set()
    other_area = False
    for child, age in zip(case["children"], ages, strict=True):
        if not (harmful and age < 18):
            continue
        if event["location"] == "in_area":
            subsections.add("a")
        resident = child["normally_resident_in_area"]
        if resident and event["location"] == "outside_england":
            subsections.add("b")
        if resident and event["location"] == "elsewhere_in_england":
            other_area = True
    died = event["kind"] == "death"
    reasons = set()
    for child, age in zip(case["children"], ages, strict=True):
        if died and child["looked_after"]:
            reasons.add("looked_after_child_death")
        if died and child["care_leaver"] and age < 25:
            reasons.add("care_leaver_death")
    csab = any(died and c["care_leaver"] and 18 <= a < 25
               for c, a in zip(case["children"], ages, strict=True))  # fmt: skip
    required = bool(subsections)
    return {
        "required": required,
        "subsections": subsections,
        "notifying_area": "this_area" if required else ("other_area" if other_area else None),
        "rapid_review": required and case["criteria_not_met_date"] is None,
        "reasons": sorted(reasons),
        "csab": csab,
    }


def test_invariants_over_random_cases() -> None:
    rng = random.Random(20260401)
    for index in range(300):
        case = _random_case(rng, index)
        out = _run(case)
        want = _oracle(case)
        aware = date.fromisoformat(case["aware_date"])
        panel = out["panel_notification"]
        assert panel["required"] == want["required"], case
        assert panel["notifying_area"] == want["notifying_area"], case
        assert (panel["subsection"] in want["subsections"]) if want["required"] else (
            panel["subsection"] is None)  # fmt: skip
        assert out["rapid_review"]["required"] == want["rapid_review"], case
        assert out["dfe_ofsted_notification"]["reasons"] == want["reasons"], case
        assert out["csab_liaison"]["required"] == want["csab"], case
        clocks = out["clocks"]
        assert ("sin_notification" in clocks) == want["required"]
        assert ("rapid_review" in clocks) == want["rapid_review"]
        assert ("dfe_ofsted_notification" in clocks) == bool(want["reasons"])
        for name in ("sin_notification", "rapid_review", "rapid_review_conservative",
                     "dfe_ofsted_notification"):  # fmt: skip
            if name in clocks:
                due = date.fromisoformat(clocks[name]["due"])
                assert CAL.is_working_day(due) and due > aware
        if "sin_notification" in clocks:
            due = date.fromisoformat(clocks["sin_notification"]["due"])
            assert CAL.working_days_between(aware, due) == 5
            submitted = case["sin_submitted_date"]
            expected_status = "open" if submitted is None else (
                "met" if date.fromisoformat(submitted) <= due else "late")  # fmt: skip
            assert clocks["sin_notification"]["status"] == expected_status
        if "rapid_review" in clocks:
            anchor = case["sin_submitted_date"] or clocks["sin_notification"]["due"]
            rr_due = date.fromisoformat(clocks["rapid_review"]["due"])
            assert CAL.working_days_between(date.fromisoformat(anchor), rr_due) == 15
        publication = case["lcspr"]["planned_publication_date"]
        if publication is not None:
            pre = date.fromisoformat(clocks["lcspr_prepublication"]["due"])
            assert CAL.is_working_day(pre)
            assert pre < date.fromisoformat(publication)
            day = timedelta(days=1)
            published = date.fromisoformat(publication)
            assert CAL.working_days_between(pre - day, published - day) == 7
        assert ("lcspr_completion" in clocks) == (case["lcspr"]["commissioned_date"] is not None)
        assert all(decision["source"] for decision in out["decisions"])


# --- rule packs ---------------------------------------------------------------------------


def _pack_text(old: str, new: str) -> str:
    text = PACK_FILE.read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "fact: child.age_years, op: lt",
            "fact: child.shoe_size, op: lt",
            "unknown fact 'child.shoe_size'",
        ),
        ("fact: child.age_years, op: lt", "fact: child.age_years, op: roughly", "op"),
        ("fact: child.looked_after, op: eq", "fact: child.looked_after, op: lt", "not allowed"),
        ("value: in_area", "value: on_the_moon", "on_the_moon"),
        ("- id: sin.s16c_1_b", "- id: sin.s16c_1_a", "duplicate rule ids: sin.s16c_1_a"),
        ("outcome: csab_liaison_required", "outcome: send_flowers", "unknown outcome"),
        ('says: "in the area"', 'says: "in {event.town}"', "unknown fact {event.town}"),
    ],
)
def test_pack_errors_are_clear(old: str, new: str, message: str) -> None:
    with pytest.raises(PackError) as caught:
        parse_pack(_pack_text(old, new), origin="edited.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("edited.yaml: ")


def test_pack_refuses_rule_cycles() -> None:
    text = _pack_text(
        "        - {fact: child.looked_after, op: eq, value: true,",
        "        - {fact: decided.dfe_ofsted_notification_required, op: eq, value: true,\n"
        "           says: x, denies: y}\n"
        "        - {fact: child.looked_after, op: eq, value: true,",
    )
    with pytest.raises(PackError, match="cycle"):
        parse_pack(text)


def test_rapid_review_anchor_setting_awareness() -> None:
    awareness = parse_pack(_pack_text("rapid_review_anchor: sin_submitted",
                                      "rapid_review_anchor: awareness"))  # fmt: skip
    example = json.loads((EXAMPLES / "E1.json").read_text())
    clocks = assess(AssessmentInput.model_validate(example["input"]), awareness, CAL)["clocks"]
    assert clocks["rapid_review"] == clocks["rapid_review_conservative"] == {"due": "2026-04-27"}
    assert awareness.content_hash != PACK.content_hash


def test_pack_version_compiles_once_per_engine() -> None:
    engine = RuleEngine()
    case = AssessmentInput.model_validate(json.loads((EXAMPLES / "E2.json").read_text())["input"])
    for _ in range(50):
        assess(case, load_default_pack(), CAL, engine)
    assert engine.compiled_rulesets() == 1


def test_engine_disagreement_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = RuleEngine()
    monkeypatch.setattr(engine, "fired", lambda *_args: set())
    case = AssessmentInput.model_validate(json.loads((EXAMPLES / "E1.json").read_text())["input"])
    with pytest.raises(EngineDisagreementError):
        evaluate_module.evaluate(derive_facts(case), PACK, CAL, engine)


def test_concurrent_assessments_agree_with_sequential_ones() -> None:
    rng = random.Random(7)
    cases = [AssessmentInput.model_validate(_random_case(rng, i)) for i in range(40)]
    expected = [assess(case, PACK, CAL) for case in cases]
    results: dict[int, list[dict[str, Any]]] = {}

    def work(worker: int) -> None:
        results[worker] = [assess(case, PACK, CAL) for case in cases]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(results[n] == expected for n in range(8))

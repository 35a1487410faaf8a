"""The decisions of domain.md sections 4-8: what each kind decides, and why."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

import pytest

from sprg_rules.domain.decide import decide, to_output
from sprg_rules.domain.parsing import InputError
from sprg_rules.domain.subject_facts import FACTORS, REG11_FACTORS
from sprg_shared.calendar import WorkingDayCalendar

CAL = WorkingDayCalendar()


def _out(kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    return to_output(decide(kind, facts, CAL))


# --- LCSPR decision support ---------------------------------------------------------------


def _factors(present: set[str]) -> dict[str, Any]:
    return {
        name: {"present": name in present, "because": f"recorded facts for {name}"}
        for name in FACTORS
    }


def test_every_factor_is_reported_as_recorded_with_its_facts_and_source() -> None:
    present = {"recurrent_themes", "several_areas"}
    out = _out("lcspr_decision", {"serious_child_safeguarding_case": True,
                                  "factors": _factors(present)})  # fmt: skip
    assert [f["factor"] for f in out["factors"]] == list(FACTORS)
    for factor in out["factors"]:
        assert factor["present"] == (factor["factor"] in present)
        assert factor["because"][0].endswith(f": recorded facts for {factor['factor']}")
        if factor["factor"] in REG11_FACTORS:
            assert f"reg 11({factor['criterion'][-2]})" in factor["source"]
        else:
            assert "The Safeguarding Practice Review Process" in factor["source"]
    themes = next(f for f in out["factors"] if f["factor"] == "recurrent_themes")
    assert themes == {
        "factor": "recurrent_themes",
        "criterion": "reg 11(b)",
        "present": True,
        "because": ["highlights recurrent themes in safeguarding and promoting the welfare of "
                    "children: recorded facts for recurrent_themes"],
        "source": "Child Safeguarding Practice Review and Relevant Agency (England) "
                  "Regulations 2018 reg 11(b); Working Together to Safeguard Children 2023, "
                  "chapter 5",
    }  # fmt: skip


def _expected_recommendation(serious: bool, present: set[str]) -> str:
    if serious and present & set(REG11_FACTORS):
        return "recommend_commissioning"
    if serious and present:
        return "consider_commissioning"
    return "not_indicated"


def test_recommendation_over_every_combination_of_factors() -> None:
    combos = [set(c) for n in range(len(FACTORS) + 1) for c in itertools.combinations(FACTORS, n)]
    rng = random.Random(11)
    for present in [*rng.sample(combos, 80), set(), set(FACTORS)]:
        for serious in (True, False):
            out = _out("lcspr_decision", {"serious_child_safeguarding_case": serious,
                                          "factors": _factors(present)})  # fmt: skip
            expected = _expected_recommendation(serious, present)
            assert out["recommendation"]["outcome"] == expected, (serious, present)
            assert out["reg11_criteria_present"] == [f for f in REG11_FACTORS if f in present]
            assert out["case_of_concern_to_consider"] == (not serious and bool(present))
            assert out["recommendation"]["because"] and out["recommendation"]["source"]
            assert "people decide" in out["decided_by"]


def test_a_recommendation_is_never_an_order() -> None:
    out = _out("lcspr_decision", {"serious_child_safeguarding_case": True,
                                  "factors": _factors(set(REG11_FACTORS))})  # fmt: skip
    reasons = " ".join(out["recommendation"]["because"])
    assert "4 of the regulation 11 criteria" in reasons
    assert "not mandatory" in reasons and "the safeguarding partners decide" in reasons
    assert "must" not in reasons


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f["factors"].pop("single_agency"), "factors.single_agency"),
        (lambda f: f["factors"]["recurrent_themes"].update(present="yes"),
         "factors.recurrent_themes.present"),
        (lambda f: f["factors"]["recurrent_themes"].update(because="  "),
         "factors.recurrent_themes.because"),
        (lambda f: f.update(child_name="A"), "child_name"),
        (lambda f: f.pop("serious_child_safeguarding_case"), "serious_child_safeguarding_case"),
    ],
)  # fmt: skip
def test_lcspr_bad_input_names_the_field(change: Any, field: str) -> None:
    facts: dict[str, Any] = {"serious_child_safeguarding_case": True, "factors": _factors(set())}
    change(facts)
    with pytest.raises(InputError) as caught:
        decide("lcspr_decision", facts, CAL)
    assert caught.value.field == field


# --- Case of Concern ----------------------------------------------------------------------


def test_case_of_concern_routes() -> None:
    for sin, spr, triage, meeting in itertools.product(
        (False, True), (False, True), ("pending", "advice", "list_for_meeting"),
        ("sprg", "other_cscp_meeting"),
    ):  # fmt: skip
        facts: dict[str, Any] = {"meets_sin_criteria": sin, "meets_spr_criteria": spr,
                                 "triage": triage}  # fmt: skip
        if triage == "list_for_meeting":
            facts["meeting"] = meeting
        out = _out("case_of_concern", facts)
        expected = ("statutory_route" if sin or spr else {
            "pending": "triage_pending", "advice": "advice_outside_review",
            "list_for_meeting": "listed_for_meeting"}[triage])  # fmt: skip
        assert out["route"] == expected
        listed = expected == "listed_for_meeting"
        assert out["meeting"] == (meeting if listed else None)
        assert out["approach"]["to_agree"] == listed
        assert [o["id"] for o in out["approach"]["options"]] == (
            ["internal_file_review", "appreciative_inquiry", "policy_review"] if listed else []
        )


def test_case_of_concern_triage_pending_names_who_triages() -> None:
    out = _out("case_of_concern", {"meets_sin_criteria": False, "meets_spr_criteria": False,
                                   "triage": "pending"})  # fmt: skip
    assert "the CSCP Business Manager triages it" in " ".join(out["because"])
    assert "Independent Scrutineer" in " ".join(out["because"])


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"triage": "advice", "meeting": "sprg"}, "meeting"),
        ({"triage": "list_for_meeting"}, "meeting"),
        ({"triage": "advice", "approach": "appreciative_inquiry"}, "approach"),
        ({"triage": "list_for_meeting", "meeting": "sprg", "approach": "group_hug"}, "approach"),
        ({"triage": "later"}, "triage"),
    ],
)
def test_case_of_concern_bad_input_names_the_field(facts: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        decide("case_of_concern",
               {"meets_sin_criteria": False, "meets_spr_criteria": False, **facts})  # fmt: skip
    assert caught.value.field == field


# --- Escalations --------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [1, 2, 3, 4, 5])
def test_escalations_from_stage_3_are_tracked_with_a_copy_to_the_cscp(stage: int) -> None:
    out = _out("escalation", {"stage": stage, "stage_started_date": "2026-06-01"})
    formal = stage >= 3
    assert out["tracked"] == formal
    assert out["sprg_oversight"] == formal
    assert out["cscp_copy"] == ("outstanding" if formal else None)
    assert out["stage"]["stage"] == stage
    assert out["stage"]["formal"] == formal
    assert out["stage"]["parties"]
    due = date.fromisoformat(out["clocks"]["escalation_stage"]["due"])
    assert CAL.working_days_between(date(2026, 6, 1), due) == 5
    if formal:
        copy = next(d for d in out["decisions"] if d["rule"] == "escalation.copy_outstanding")
        assert "CSCP@croydon.gov.uk" in " ".join(copy["because"])


def test_a_resolved_escalation_is_still_tracked() -> None:
    out = _out("escalation", {"stage": 3, "stage_started_date": "2026-06-01",
                              "resolved_date": "2026-06-03",
                              "copy_to_cscp_date": "2026-06-03"})  # fmt: skip
    assert out["tracked"] and out["cscp_copy"] == "sent"
    assert out["clocks"]["escalation_stage"] == {"due": "2026-06-08", "status": "met"}


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"stage": 6, "stage_started_date": "2026-06-01"}, "stage"),
        ({"stage": "3", "stage_started_date": "2026-06-01"}, "stage"),
        ({"stage": 3, "stage_started_date": "2026-02-30"}, "stage_started_date"),
        ({"stage": 3, "stage_started_date": 20260601}, "stage_started_date"),
        ({"stage": 3, "stage_started_date": "2026-06-02", "resolved_date": "2026-06-01"},
         "resolved_date"),
    ],
)  # fmt: skip
def test_escalation_bad_input_names_the_field(facts: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        decide("escalation", facts, CAL)
    assert caught.value.field == field


# --- Meeting quoracy -------------------------------------------------------------------


def _member(partner: str | None, attendance: str, role: str = "member", **extra: Any) -> Any:
    return {"role": role, "partner": partner, "attendance": attendance, **extra}


def test_apologies_from_one_of_two_health_members_do_not_forecast_inquoracy() -> None:
    members = [
        _member("csc", "expected"), _member("police", "expected"),
        _member("icb", "apologies", "Designated Doctor", apologies_received_date="2026-05-01"),
        _member("icb", "expected", "Designated Nurse"),
    ]  # fmt: skip
    out = _out("meeting", {"meeting_date": "2026-05-20", "as_of": "2026-05-02",
                           "members": members})  # fmt: skip
    assert out["forecast_inquorate"] is False
    assert out["unrepresented"] == []


def test_forecast_names_every_unrepresented_partner_and_who_to_tell() -> None:
    members = [
        _member("csc", "apologies", "Head of Service", apologies_received_date="2026-05-01"),
        _member("icb", "proxy", "Named Nurse", proxy_similar_seniority=False),
        _member(None, "expected", "Independent Scrutineer"),
        _member("police", "expected", "Detective Inspector"),
    ]  # fmt: skip
    out = _out("meeting", {"meeting_date": "2026-05-20", "as_of": "2026-05-02",
                           "members": members})  # fmt: skip
    assert out["forecast_inquorate"] is True
    assert [(u["partner"], u["tell"]) for u in out["unrepresented"]] == [
        ("csc", ["the Chair", "Head of Service"]), ("icb", ["the Chair"])]  # fmt: skip
    reasons = [r for d in out["decisions"] for r in d["because"]]
    assert any(r.startswith("no one expected from Croydon Children's Social Care") for r in reasons)
    assert any("Croydon Health (ICB)" in r for r in reasons)


def _random_meeting(rng: random.Random) -> dict[str, Any]:
    meeting = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 700))
    as_of = meeting + timedelta(days=rng.randrange(-10, 3))
    held = as_of >= meeting
    members = []
    for _ in range(rng.randint(1, 6)):
        partner = rng.choice(["csc", "icb", "police", None])
        options = (["in_person", "proxy", "apologies", "absent"] if held
                   else ["expected", "proxy", "apologies"])  # fmt: skip
        attendance = rng.choice(options)
        extra: dict[str, Any] = {}
        if attendance == "proxy":
            extra["proxy_similar_seniority"] = rng.random() < 0.5
        if attendance == "apologies":
            latest = min(as_of, meeting - timedelta(days=1))
            extra["apologies_received_date"] = latest - timedelta(days=rng.randrange(0, 5))
        members.append(_member(partner, attendance, **extra))
    return {"meeting_date": meeting, "as_of": as_of, "members": members}


def test_quoracy_over_random_meetings() -> None:
    rng = random.Random(2026)
    for _ in range(150):
        meeting = _random_meeting(rng)
        held = meeting["as_of"] >= meeting["meeting_date"]
        attends = {"in_person"} if held else {"expected"}
        missing = [
            partner for partner in ("csc", "icb", "police")
            if not any(m["partner"] == partner and (m["attendance"] in attends or (
                m["attendance"] == "proxy" and m["proxy_similar_seniority"]))
                for m in meeting["members"])
        ]  # fmt: skip
        out = _out("meeting", meeting)
        assert [u["partner"] for u in out["unrepresented"]] == missing, meeting
        if held:
            assert out["quorate"] == (not missing) and out["forecast_inquorate"] is None
        else:
            assert out["forecast_inquorate"] == bool(missing) and out["quorate"] is None


@pytest.mark.parametrize(
    ("member", "as_of", "field"),
    [
        (_member("csc", "in_person"), "2026-05-01", "members.0.attendance"),
        (_member("csc", "expected"), "2026-05-20", "members.0.attendance"),
        (_member("csc", "proxy"), "2026-05-20", "members.0.proxy_similar_seniority"),
        (_member("csc", "apologies"), "2026-05-20", "members.0.apologies_received_date"),
        (_member("csc", "apologies", apologies_received_date="2026-05-05"), "2026-05-01",
         "members.0.apologies_received_date"),
        (_member("fire_brigade", "expected"), "2026-05-01", "members.0.partner"),
    ],
)  # fmt: skip
def test_meeting_bad_input_names_the_field(member: Any, as_of: str, field: str) -> None:
    with pytest.raises(InputError) as caught:
        decide("meeting", {"meeting_date": "2026-05-20", "as_of": as_of, "members": [member]})
    assert caught.value.field == field


# --- LCSPR publication ----------------------------------------------------------------


def test_publication_and_press_offices() -> None:
    out = _out("lcspr_publication", {
        "partners_consider_inappropriate": False, "planned_publication_date": "2027-01-05",
        "agencies": [{"name": "Metropolitan Police"},
                     {"name": "Croydon Health Services", "press_office_told_date": "2026-12-30"},
                     {"name": "London Borough of Croydon",
                      "press_office_told_date": "2027-01-06"}]})  # fmt: skip
    assert out["publish"] == "report"
    assert [p["status"] for p in out["press_offices"]] == ["to_be_told", "told", "told_late"]
    assert out["clocks"]["lcspr_prepublication"] == {"due": "2026-12-22"}  # 28 Dec: substitute day
    reasons = [r for d in out["decisions"] for r in d["because"]]
    assert ("Metropolitan Police: press office not told yet; the agency's SPRG member tells it "
            "before publication") in reasons  # fmt: skip


def test_not_publishing_the_report_still_publishes_the_improvements() -> None:
    out = _out("lcspr_publication", {"partners_consider_inappropriate": True,
                                      "because": "the family could be identified",
                                      "agencies": [{"name": "Metropolitan Police"}]})  # fmt: skip
    assert out["publish"] == "improvements_only"
    assert "the improvements to be made are published instead" in out["because"][0]
    assert "Working Together" in out["source"]


def test_not_publishing_needs_a_reason() -> None:
    with pytest.raises(InputError) as caught:
        decide("lcspr_publication", {"partners_consider_inappropriate": True,
                                     "agencies": [{"name": "Metropolitan Police"}]})  # fmt: skip
    assert caught.value.field == "because"

"""Runs a pack's golden cases (``sprg rules test``): each input must give its expected output."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from sprg_rules.domain.assess import assess
from sprg_rules.domain.decide import run_kind_golden_cases
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import RulePack
from sprg_rules.domain.facts import AssessmentInput
from sprg_rules.domain.golden_failure import GoldenFailure
from sprg_shared.calendar import WorkingDayCalendar

__all__ = ["GoldenFailure", "run_golden_cases"]


def run_golden_cases(
    rulepack: RulePack, calendar: WorkingDayCalendar, engine: RuleEngine | None = None
) -> list[GoldenFailure]:
    """Every mismatch between a golden case's expectation and the pack's answer."""
    if rulepack.pack.subject != "incident":  # a meeting, an escalation...: see decide.py
        return run_kind_golden_cases(rulepack, calendar, engine)
    failures: list[GoldenFailure] = []
    for golden in rulepack.pack.golden:
        try:
            case = AssessmentInput.model_validate({"case_id": golden.name, **golden.input})
        except ValidationError as error:
            failures.append(GoldenFailure(golden.name, "input", "valid input", str(error)))
            continue
        actual = assess(case, rulepack, calendar, engine)
        for field, expected in to_jsonable_python(golden.expect).items():
            if field == "rules_fired":
                fired = [decision["rule"] for decision in actual["decisions"]]
                if fired != expected:
                    failures.append(GoldenFailure(golden.name, field, expected, fired))
            elif actual.get(field) != expected:
                failures.append(GoldenFailure(golden.name, field, expected, actual.get(field)))
    return failures

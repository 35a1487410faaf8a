"""durable_rules in a child process: same decisions, bounded rulesets, survives a crash."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from importlib import resources

import pytest

from sprg_rules.adapters.engine_process import ProcessRuleEngine
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import evaluate
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.loader import load_default_pack, parse_pack
from sprg_shared.calendar import WorkingDayCalendar

BASE = resources.files("sprg_rules.packs").joinpath("statutory-england.yaml").read_text()
FACTS = CaseFacts.model_validate(
    {
        "aware_date": "2026-04-02",
        "event": {
            "kind": "death",
            "date": "2026-04-01",
            "location": "in_area",
            "abuse_or_neglect": "suspected",
        },
        "children": [
            {
                "age": 4,
                "looked_after": False,
                "care_leaver": False,
                "normally_resident_in_area": True,
            }
        ],
    }
)


@pytest.fixture
def engine() -> Iterator[ProcessRuleEngine]:
    engine = ProcessRuleEngine(max_rulesets=2)
    yield engine
    engine.close()


def test_the_child_decides_exactly_as_the_engine_in_process(engine: ProcessRuleEngine) -> None:
    pack, calendar = load_default_pack(), WorkingDayCalendar()
    assert engine.evaluate(FACTS, pack, calendar) == evaluate(FACTS, pack, calendar, RuleEngine())


def test_a_new_child_takes_over_before_rulesets_pile_up(engine: ProcessRuleEngine) -> None:
    calendar, children = WorkingDayCalendar(), set()
    for n in range(5):
        pack = parse_pack(BASE.replace('version: "2026.1"', f'version: "t{n}"'))
        assert engine.evaluate(FACTS, pack, calendar).pack_version == f"t{n}"
        children.add(engine.child_pid())
        assert engine.compiled_rulesets() <= 2
    assert engine.recycled == 2 and len(children) == 3


def test_a_child_that_dies_is_replaced_and_the_call_still_answers(
    engine: ProcessRuleEngine,
) -> None:
    pack, calendar = load_default_pack(), WorkingDayCalendar()
    engine.evaluate(FACTS, pack, calendar)
    dead = engine.child_pid()
    assert dead is not None
    os.kill(dead, signal.SIGKILL)
    os.waitpid(dead, 0)
    assert engine.evaluate(FACTS, pack, calendar).pack_version == "2026.1"
    assert engine.child_pid() != dead

"""Soak of the rules engine (issue 3): many assessments, many cases, many pack activations.

    .venv/bin/python bench/rules_soak.py [--assessments 1000000] [--cases 50000] [--activations 200]

As a rules replica runs: every assessment goes through durable_rules (in the engine's
recyclable child process, adapters/engine_process.py) via
the same code the service uses (``assess_facts``); every ``assessments/activations``
assessments a new pack version is activated (parsed, validated, compiled as a new
ruleset on first use). It reports throughput and resident memory as it goes, and
fails (exit 1) if resident memory grows by more than the limit after warm-up.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from sprg_rules.adapters.engine_process import ProcessRuleEngine
from sprg_rules.domain.assess import to_contract
from sprg_rules.domain.evaluate import RulePack
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.loader import parse_pack
from sprg_rules.domain.registry import PackSet
from sprg_shared.calendar import WorkingDayCalendar

BASE = resources.files("sprg_rules.packs").joinpath("statutory-england.yaml").read_text()
WARM_UP = 20_000


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pack_version(n: int) -> RulePack:
    """A distinct pack per activation (a new version and content hash: a new ruleset)."""
    return parse_pack(BASE.replace('version: "2026.1"', f'version: "soak.{n}"'))


def random_facts(rng: random.Random) -> CaseFacts:
    day = date(2025, 1, 1) + timedelta(days=rng.randrange(900))
    submitted = day + timedelta(days=rng.randrange(3, 15)) if rng.random() < 0.5 else None
    return CaseFacts.model_validate(
        {
            "aware_date": (day + timedelta(days=rng.randrange(4))).isoformat(),
            "event": {
                "kind": rng.choice(["death", "serious_harm", "other"]),
                "date": day.isoformat(),
                "location": rng.choice(["in_area", "elsewhere_in_england", "outside_england"]),
                "abuse_or_neglect": rng.choice(["known", "suspected", "none"]),
            },
            "children": [
                {
                    "age": rng.randrange(0, 27),
                    "looked_after": rng.random() < 0.2,
                    "care_leaver": rng.random() < 0.2,
                    "normally_resident_in_area": rng.random() < 0.8,
                }
                for _ in range(rng.randint(1, 4))
            ],
            "sin_submitted_date": submitted.isoformat() if submitted else None,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assessments", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--activations", type=int, default=200)
    parser.add_argument("--limit-mb", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--max-rulesets", type=int, default=16)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    cases = [(f"case-{i:06d}", random_facts(rng)) for i in range(args.cases)]
    engine, calendar = ProcessRuleEngine(max_rulesets=args.max_rulesets), WorkingDayCalendar()

    def total_rss() -> float:
        """The service process and its engine child together."""
        child = engine.child_pid()
        return rss_mb() + (rss_mb(child) if child else 0.0)

    packs = PackSet().activate(pack_version(0), sequence=0)
    every = max(1, args.assessments // max(1, args.activations))
    activations, required = 0, 0
    started = time.perf_counter()
    baseline = None
    for n in range(1, args.assessments + 1):
        if n % every == 0 and activations < args.activations:
            activations += 1
            packs = packs.activate(pack_version(activations), sequence=activations)
        case_id, facts = cases[rng.randrange(len(cases))]
        answer = to_contract(
            case_id, engine.evaluate(facts, packs.latest("statutory-england"), calendar)
        )
        required += answer["panel_notification"]["required"]
        if n == WARM_UP:
            baseline = total_rss()
        if n % 50_000 == 0:
            elapsed = time.perf_counter() - started
            print(
                json.dumps(
                    {
                        "assessments": n,
                        "activations": activations,
                        "rate_per_s": round(n / elapsed),
                        "rss_mb": round(rss_mb(), 1),
                    }
                ),
                flush=True,
            )
    elapsed = time.perf_counter() - started
    end = total_rss()
    growth = end - (baseline if baseline is not None else end)
    result = {
        "assessments": args.assessments,
        "distinct_cases": args.cases,
        "activations": activations,
        "seconds": round(elapsed, 1),
        "rate_per_s": round(args.assessments / elapsed),
        "rss_after_warm_up_mb": round(baseline or 0, 1),
        "rss_end_mb": round(end, 1),
        "rss_growth_mb": round(growth, 1),
        "limit_mb": args.limit_mb,
        "panel_notifications_required": required,
        "passed": growth < args.limit_mb,
    }
    print(json.dumps(result), flush=True)
    engine.close()
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""The bus's contracts: one module per topic, owned by its producer, with a pinned surface.

- Each contract module's ``__all__`` is exactly its public names, and those are pinned
  here (as httpx pins its exports): a name added, renamed or dropped is a change every
  consumer must hear about, so it fails here first.
- Each event type is published on the topic of the module that declares it, and the
  producer ``sprg_shared.topics`` names for the topic builds every one of them.
- The consumers ``sprg_shared.topics`` names are the services that subscribe, and the
  README's map is the one ``tests/contracts_map.py`` renders.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

from sprg_shared import contracts, envelope, topics
from sprg_shared.envelope import EventData
from tests import contracts_map

ROOT = Path(__file__).resolve().parents[2]

PUBLIC: dict[str, list[str]] = {
    "calendar": ["CalendarVersioned", "Closure"],
    "clocks": [
        "ClockBreached",
        "ClockKind",
        "ClockLabelled",
        "ClockMet",
        "ClockPaused",
        "ClockRecalculated",
        "ClockReminderDue",
        "ClockResumed",
        "ClockStarted",
        "ClockStopped",
        "DutyDue",
        "SubjectOfClock",
    ],
    "dead_letters": ["MessageDeadLettered", "MessageReprocessed"],
    "decisions": [
        "CaseAssessed",
        "ClockDue",
        "Decision",
        "DueBasis",
        "RulepackRef",
        "SubjectDecided",
        "SubjectKind",
    ],
    "intake": [
        "AbuseOrNeglect",
        "ActionRecorded",
        "Attendance",
        "CaseNoticeRecorded",
        "CaseOfConcernReferred",
        "CaseOfConcernTriaged",
        "CaseTagged",
        "ChildFacts",
        "CocApproach",
        "CocMeeting",
        "CocTriage",
        "EscalationRecorded",
        "EscalationStep",
        "FactorRecord",
        "IncidentCorrected",
        "IncidentFacts",
        "IncidentKind",
        "IncidentReported",
        "InformationRequested",
        "LcsprDecided",
        "LcsprFactorsRecorded",
        "LcsprProgressed",
        "LcsprPublicationRecorded",
        "LearningShared",
        "Location",
        "MeetingAttendanceRecorded",
        "MeetingMember",
        "MeetingScheduled",
        "Partner",
        "PartnersView",
        "PurposeOutcome",
        "RapidReviewClosed",
        "RapidReviewHeld",
        "RapidReviewPurpose",
        "RapidReviewSentToPanel",
        "ReturnReceived",
        "ReviewType",
        "SinSubmitted",
    ],
    "notifications": ["NotificationSent"],
    "reports": ["ReportPublished"],
    "rulepacks": ["RulepackActivated"],
}

# Where each producer or consumer's code lives.
SOURCES = {
    "intake": ROOT / "services/intake/src",
    "rules": ROOT / "services/rules/src",
    "scheduler": ROOT / "services/scheduler/src",
    "notifier": ROOT / "services/notifier/src",
    "reporting": ROOT / "services/reporting/src",
    "cli": ROOT / "cli/src",
}
CONSTANT = {
    getattr(topics, name): name
    for name in dir(topics)
    if name.isupper() and isinstance(getattr(topics, name), str)
}


def module(name: str) -> ModuleType:
    found: ModuleType = getattr(contracts, name)
    return found


def defined_here(mod: ModuleType) -> set[str]:
    """Public names the module itself defines (classes it declares, aliases it assigns)."""
    source = inspect.getsource(mod)
    return {
        name
        for name in re.findall(r"^(?:class )?([A-Za-z]\w*)\b(?:\(| =)", source, re.M)
        if not name.startswith("_")
    } - {"TOPIC"}


def code_of(service: str) -> str:
    return "\n".join(p.read_text() for p in sorted(SOURCES[service].rglob("*.py")))


def names_used_by(service: str) -> set[str]:
    """Every name the service's code uses (built, or handed to what builds it, as
    ``record_stated(LcsprDecided, ...)`` does), imports not counted."""
    return {node.id for node in ast.walk(ast.parse(code_of(service))) if isinstance(node, ast.Name)}


def test_the_package_lists_every_topic_module() -> None:
    assert sorted(contracts.__all__) == sorted(PUBLIC)
    assert sorted(spec.contract for spec in topics.TOPICS) == sorted(PUBLIC)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_each_module_exports_exactly_its_public_names(name: str) -> None:
    mod = module(name)
    assert sorted(mod.__all__) == PUBLIC[name]
    assert sorted(defined_here(mod)) == PUBLIC[name]


def test_the_envelope_surface_is_pinned() -> None:
    assert sorted(envelope.__all__) == [
        "Envelope",
        "EventData",
        "UnknownEventType",
        "ValidationError",
        "envelope_for",
        "event_type",
        "read_event",
        "register_upcaster",
        "registered_types",
    ]


def test_the_topics_surface_is_pinned_and_is_every_public_name() -> None:
    public = sorted(n for n in vars(topics) if not n.startswith("_") and n not in IMPORTED)
    assert (
        sorted(topics.__all__)
        == public
        == [
            "CALENDAR",
            "CLOCKS",
            "DECISIONS",
            "DLQ",
            "INTAKE",
            "KEEP_FOREVER",
            "NOTIFICATIONS",
            "REPORTS",
            "RULEPACKS",
            "TOPICS",
            "TopicSpec",
            "ensure_topics",
            "main",
        ]
    )


IMPORTED = {"annotations", "dataclass", "field", "log", "logging", "os", "sys"}


def contracts_of(name: str) -> str:
    return next(mod for mod, names in PUBLIC.items() if name in names)


@pytest.mark.parametrize("spec", topics.TOPICS, ids=lambda s: s.name)
def test_each_event_type_is_on_its_modules_topic_and_built_by_its_producer(
    spec: topics.TopicSpec,
) -> None:
    mod = module(spec.contract)
    models = [
        getattr(mod, n)
        for n in mod.__all__
        if isinstance(getattr(mod, n), type)
        and issubclass(getattr(mod, n), EventData)
        and "TYPE" in vars(getattr(mod, n))
    ]
    assert models, f"{spec.contract} declares no event type"
    assert {m.TOPIC for m in models} == {spec.name}
    if spec.producer in SOURCES:
        used = names_used_by(spec.producer)
        never_built = [m.__name__ for m in models if m.__name__ not in used]
        assert never_built == [], f"{spec.producer} never publishes {never_built}"


@pytest.mark.parametrize("service", sorted(SOURCES))
def test_the_declared_consumers_are_the_services_that_read_each_topic(service: str) -> None:
    code = code_of(service)
    mentioned = {t for t, const in CONSTANT.items() if re.search(rf"\btopics\.{const}\b", code)}
    declared = {spec.name for spec in topics.TOPICS if service in spec.consumers}
    assert declared <= mentioned, f"{service} is said to read {declared - mentioned}"
    produced = {spec.name for spec in topics.TOPICS if spec.producer == service}
    assert mentioned - produced <= declared, f"{service} reads {mentioned - declared}"


def test_every_topic_has_a_producer_and_a_consumer() -> None:
    for spec in topics.TOPICS:
        assert spec.producer and spec.consumers, spec.name


def test_the_readme_map_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert contracts_map.current(readme) == contracts_map.render(), (
        "the README's topic map is stale: run .venv/bin/python -m tests.contracts_map"
    )


def test_the_old_catalogue_is_gone_and_nothing_imports_it() -> None:
    """Every event lives in its topic's module; the catalogue every service edited is gone."""
    assert importlib.util.find_spec("sprg_shared.events") is None
    old = re.compile(
        r"^\s*(from sprg_shared\.events import|from sprg_shared import .*\bevents\b)", re.M
    )
    found = [
        str(path.relative_to(ROOT))
        for top in ("shared", "services", "cli", "tests", "bench")
        for path in (ROOT / top).rglob("*.py")
        if path != Path(__file__).resolve() and old.search(path.read_text())
    ]
    assert found == []

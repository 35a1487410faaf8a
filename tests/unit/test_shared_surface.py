"""The common library's public surface, pinned (as httpx pins its exports).

``sprg_shared`` is imported by every service, the CLI and the benchmarks. Each of its
modules declares ``__all__``: what another package may use. The surface is written out
here, so adding, renaming or dropping a public name is a change every service must hear
about, and it fails here first; and no package outside ``sprg_shared`` uses a name its
module does not export. (The bus's contracts are pinned in ``test_contracts.py``.)
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "shared" / "src" / "sprg_shared"
CONSUMERS = [ROOT / "services", ROOT / "cli" / "src", ROOT / "bench"]

SURFACE: dict[str, list[str]] = {
    "access": [
        "ANY",
        "AuditKind",
        "Caller",
        "MATRIX",
        "Reach",
        "Rule",
        "audit_read",
        "caller",
        "reachable",
        "reaches",
        "route_name",
        "rule",
        "sees_everything",
        "subject_of",
    ],
    "ages": ["age_on"],
    "audit": ["Action", "AuditLog", "COLLECTION", "read_audit", "router"],
    "auth": [
        "AGENCY_CODE",
        "ALGORITHMS",
        "AuthConfig",
        "AuthMisconfigured",
        "DEV_ISSUER",
        "Fetch",
        "InvalidToken",
        "JWKS_TTL_S",
        "LEEWAY_S",
        "Principal",
        "REFETCH_AFTER_S",
        "Role",
        "Verifier",
        "dev_public_jwk",
        "fetch_json",
        "known_agencies",
        "load_dev_key",
        "mint",
        "new_dev_key",
        "sign",
    ],
    "bus": [
        "ConsumerLoop",
        "Handler",
        "PermanentError",
        "Producer",
        "Router",
        "TRANSIENT_ERRORS",
        "TopicPartition",
    ],
    "calendar": [
        "BASE_VERSION",
        "LONDON",
        "WorkingDayCalendar",
        "add_months",
        "bank_holidays",
        "london_today",
        "version_name",
    ],
    "compacted": ["CompactedTopic"],
    "concerns": ["COLLECTION", "Concerns", "EVENTS", "involved"],
    "confirmed_calendar": ["ConfirmedCalendar"],
    "crypto": ["CannotDecrypt", "Sealer", "fingerprint"],
    "envelope": [
        "Envelope",
        "EventData",
        "UnknownEventType",
        "ValidationError",
        "envelope_for",
        "event_type",
        "read_event",
        "register_upcaster",
        "registered_types",
    ],
    "ids": ["new_id", "stable_id"],
    "kafka_security": ["KafkaSecurity", "kafka_security"],
    "logs": ["JsonFormatter", "configure_logging"],
    "loopback": ["DrainDidNotSettle", "LoopbackBus", "MemoryLedger", "Record", "Subscription"],
    "metrics": ["BusMetrics", "HttpMetrics", "bus_metrics", "http_metrics"],
    "otel": ["Exporter", "configure", "exporter_for", "install"],
    "ports": ["Bus", "Publish", "Publishes", "RuntimeBus", "publisher"],
    "references": ["long_date", "meeting_id", "meeting_reference", "minted"],
    "runtime": ["Runtime", "dump"],
    "schemas": [
        "SCHEMA_DIR",
        "Schema",
        "breaking_changes",
        "check",
        "committed",
        "current",
        "main",
        "write",
    ],
    "service": ["Background", "build_service", "from_state", "serve"],
    "settings": ["ServiceSettings"],
    "store": ["AppliedLedger", "Document", "make_client", "ping", "update_each"],
    "topics": [
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
    ],
    "tracing": [
        "Kind",
        "SpanFactory",
        "child_traceparent",
        "current",
        "new_traceparent",
        "span",
        "span_id",
        "trace_id",
        "traced",
        "use_spans",
    ],
    "vocabulary": [
        "Born",
        "EARLIEST_DATE",
        "ESCALATION_STAGES",
        "FACTORS",
        "Happened",
        "LcsprMethodology",
        "MAX_AGE_YEARS",
        "MemberLike",
        "PLANNING_HORIZON_YEARS",
        "Planned",
        "REG11_FACTORS",
        "SEED_FACTORS",
        "age_on",
        "attendance_problems",
        "horizon",
        "unstorable",
    ],
    "web": [
        "CSP",
        "DEFAULT_MAX_BODY_BYTES",
        "DOCS_CSP",
        "DOCS_PATHS",
        "Guard",
        "Lifespan",
        "QUIET_ROUTES",
        "RETRY_AFTER_SECONDS",
        "ReadinessCheck",
        "SECURITY_HEADERS",
        "create_app",
        "principal_from",
        "require",
    ],
}


def _modules() -> list[str]:
    return sorted(p.stem for p in SHARED.glob("*.py") if p.stem != "__init__")


def test_every_module_of_the_library_is_pinned() -> None:
    assert _modules() == sorted(SURFACE)


@pytest.mark.parametrize("name", sorted(SURFACE))
def test_each_module_exports_exactly_its_pinned_names(name: str) -> None:
    module = importlib.import_module(f"sprg_shared.{name}")
    assert sorted(module.__all__) == SURFACE[name]
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == [], f"sprg_shared.{name} promises {missing} but has none"


def _used_names() -> dict[tuple[str, str], set[str]]:
    """(module, name) for every name another package takes from ``sprg_shared``, with the
    files that take it: ``from sprg_shared.m import n`` and ``from sprg_shared import m``
    followed by ``m.n``."""
    used: dict[tuple[str, str], set[str]] = {}
    for base in CONSUMERS:
        for path in sorted(base.rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            aliases: dict[str, str] = {}
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or node.module is None:
                    continue
                parts = node.module.split(".")
                if parts[0] != "sprg_shared":
                    continue
                if len(parts) == 2 and parts[1] in SURFACE:
                    for alias in node.names:
                        used.setdefault((parts[1], alias.name), set()).add(path.name)
                elif len(parts) == 1:
                    for alias in node.names:
                        if alias.name in SURFACE:
                            aliases[alias.asname or alias.name] = alias.name
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in aliases
                ):
                    used.setdefault((aliases[node.value.id], node.attr), set()).add(path.name)
    return used


def test_no_service_uses_a_name_its_module_does_not_export() -> None:
    used = _used_names()
    assert used, "the scan found no use of the library: it is not reading the sources"
    private = {f"{m}.{n}": sorted(files) for (m, n), files in used.items() if n not in SURFACE[m]}
    assert private == {}, f"used but not exported by sprg_shared: {private}"

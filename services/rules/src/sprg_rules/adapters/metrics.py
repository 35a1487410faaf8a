"""The rules service's statutory metrics.

- ``sprg_rules_assessments_total{pack_id, pack_version}``: cases judged, by the pack that judged.
- ``sprg_rules_decisions_total{rule, outcome, pack_id, pack_version}``: rules that fired.
- ``sprg_rules_active_pack_info{pack_id, version, hash}``: 1 for each active version, read
  from the pack set in force at scrape time (so every replica reports what it applies).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from sprg_rules.adapters.pack_watcher import ActivePacks
from sprg_rules.domain.evaluate import Evaluation


class ActivePackInfo(Collector):
    def __init__(self, packs: ActivePacks) -> None:
        self._packs = packs

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "sprg_rules_active_pack_info",
            "Active rule pack versions (1 each); the latest activated decides new cases",
            labels=["pack_id", "version", "hash", "latest"],
        )
        current = self._packs.current()
        for pack_id, activations in sorted(current.active.items()):
            latest = max(activations, key=lambda a: a.sequence) if activations else None
            for activation in activations:
                family.add_metric(
                    [
                        pack_id,
                        activation.version,
                        activation.rulepack.content_hash,
                        "true" if activation is latest else "false",
                    ],
                    1.0,
                )
        yield family


class RulesMetrics:
    def __init__(self, registry: CollectorRegistry, packs: ActivePacks) -> None:
        self._assessments = Counter(
            "sprg_rules_assessments",
            "Cases judged, by the pack that judged them",
            ["pack_id", "pack_version"],
            registry=registry,
        )
        self._decisions = Counter(
            "sprg_rules_decisions",
            "Decisions (rules that fired), by rule, outcome and pack version",
            ["rule", "outcome", "pack_id", "pack_version"],
            registry=registry,
        )
        registry.register(ActivePackInfo(packs))

    def record(self, result: Evaluation) -> None:
        self._assessments.labels(pack_id=result.pack_id, pack_version=result.pack_version).inc()
        for decision in result.decisions:
            self._decisions.labels(
                rule=decision.rule,
                outcome=decision.outcome,
                pack_id=result.pack_id,
                pack_version=result.pack_version,
            ).inc()

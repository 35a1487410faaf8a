"""durable_rules in a child process that is replaced before its rulesets pile up.

durable_rules cannot delete a ruleset: each pack version compiled in a process stays
there, about 0.4 MB each (measured: bench/README.md). A rules replica that lives
through many activations would grow without bound. So the engine lives in a child
process; once it holds ``max_rulesets`` rulesets and a new one is needed, a fresh
child takes over and the old one exits, returning its memory. A child that dies (a
crash inside the C extension) is replaced the same way and the call is retried once.
The rules service itself is never restarted.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from sprg_rules.domain.conditions import Snapshot
from sprg_rules.domain.engine import RuleEngine
from sprg_rules.domain.evaluate import Evaluation, RulePack, evaluate
from sprg_rules.domain.facts import CaseFacts
from sprg_rules.domain.pack import Pack
from sprg_shared.calendar import WorkingDayCalendar

log = logging.getLogger(__name__)
_SPAWN = multiprocessing.get_context("spawn")  # never fork a process with Kafka threads


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the child
    engine = RuleEngine()
    packs: dict[str, RulePack] = {}
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        kind = message[0]
        try:
            if kind == "pack":
                _, digest, data = message
                packs[digest] = RulePack.of(Pack.model_validate(data))
                conn.send(("ok", None))
            elif kind == "fired":
                _, digest, rule_ids, facts = message
                conn.send(("ok", engine.fired(packs[digest].pack, digest, rule_ids, facts)))
            elif kind == "evaluate":
                _, digest, facts, calendar = message
                conn.send(("ok", evaluate(facts, packs[digest], calendar, engine)))
            else:
                return
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
            conn.send(("error", repr(exc)))


class _Child:
    def __init__(self) -> None:
        parent, child = _SPAWN.Pipe()
        self.conn = parent
        self.process: BaseProcess = _SPAWN.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.packs: set[str] = set()

    def call(self, message: tuple[Any, ...]) -> Any:
        self.conn.send(message)
        status, value = self.conn.recv()
        if status == "error":
            raise RuntimeError(f"rule engine: {value}")
        return value

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(("stop",))
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


class ProcessRuleEngine(RuleEngine):
    """A ``RuleEngine`` whose durable_rules host runs in a recyclable child process."""

    def __init__(self, max_rulesets: int = 16) -> None:
        super().__init__()
        self._max = max_rulesets
        self._child: _Child | None = None
        self._child_lock = threading.Lock()
        self.recycled = 0

    def compiled_rulesets(self) -> int:
        with self._child_lock:
            return len(self._child.packs) if self._child else 0

    def child_pid(self) -> int | None:
        with self._child_lock:
            return self._child.process.pid if self._child else None

    def fired(
        self, pack: Pack, content_hash: str, rule_ids: list[str], facts: Snapshot
    ) -> set[str]:
        result: set[str] = self._ask(pack, content_hash, ("fired", content_hash, rule_ids, facts))
        return result

    def evaluate(
        self, facts: CaseFacts, rulepack: RulePack, calendar: WorkingDayCalendar
    ) -> Evaluation:
        """The whole evaluation in the child: one round trip per case."""
        digest = rulepack.content_hash
        message = ("evaluate", digest, facts, calendar)
        result: Evaluation = self._ask(rulepack.pack, digest, message)
        return result

    def _ask(self, pack: Pack, content_hash: str, message: tuple[Any, ...]) -> Any:
        with self._child_lock:
            for attempt in (1, 2):
                child = self._child_for(content_hash)
                try:
                    if content_hash not in child.packs:
                        data = pack.model_dump(mode="json", by_alias=True)
                        child.call(("pack", content_hash, data))
                        child.packs.add(content_hash)
                    return child.call(message)
                except (EOFError, OSError):
                    log.exception("the rule engine's process died; starting a new one")
                    self._replace()
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _child_for(self, content_hash: str) -> _Child:
        if self._child is None:
            self._child = _Child()
        elif content_hash not in self._child.packs and len(self._child.packs) >= self._max:
            self._replace()
            self.recycled += 1
        assert self._child is not None
        return self._child

    def _replace(self) -> None:
        old, self._child = self._child, _Child()
        if old is not None:
            old.stop()

    def close(self) -> None:
        with self._child_lock:
            if self._child is not None:
                self._child.stop()
                self._child = None

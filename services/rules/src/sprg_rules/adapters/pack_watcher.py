"""Every replica follows the compacted ``sprg.rulepacks`` topic from its start.

A thread replays every activation and withdrawal into a ``PackSet`` and swaps it in
atomically, so a new pack is live on every replica within a poll interval, without a
restart. A replica is not ready until it has caught up with the topic's end.
"""

from __future__ import annotations

import logging
import threading

from pydantic import ValidationError

from sprg_rules.domain.loader import PackError, parse_pack
from sprg_rules.domain.registry import PackSet
from sprg_shared import topics
from sprg_shared.compacted import CompactedTopic
from sprg_shared.contracts.rulepacks import RulepackActivated
from sprg_shared.envelope import Envelope, read_event

log = logging.getLogger(__name__)


class ActivePacks:
    """The pack set in force now; evaluations read it, the watcher replaces it."""

    def __init__(self, initial: PackSet) -> None:
        self._set = initial
        self._lock = threading.Lock()

    def current(self) -> PackSet:
        with self._lock:
            return self._set

    def apply(self, activation: RulepackActivated, sequence: int) -> None:
        with self._lock:
            if activation.status == "withdrawn":
                self._set = self._set.withdraw(activation.pack_id, activation.version)
                return
            rulepack = parse_pack(activation.text, origin=activation.subject())
            if rulepack.content_hash != activation.hash:
                raise PackError(f"{activation.subject()}: content does not match its hash")
            self._set = self._set.activate(rulepack, sequence)


class PackWatcher(CompactedTopic):
    def __init__(self, bootstrap_servers: str, packs: ActivePacks, poll_ms: int = 500) -> None:
        super().__init__(
            bootstrap_servers,
            topics.RULEPACKS,
            self._apply,
            name="rulepack-watcher",
            poll_ms=poll_ms,
        )
        self._packs = packs

    def _apply(self, raw: bytes, offset: int) -> None:
        try:
            event = read_event(Envelope.from_bytes(raw))
            if not isinstance(event, RulepackActivated):
                return
            self._packs.apply(event, offset)
        except (ValidationError, PackError, ValueError) as exc:
            # Packs are validated and tested before activation; one that still fails here
            # leaves the pack set as it was, and says so loudly.
            log.error(  # noqa: TRY400 - expected bad data, not a crash
                "ignored an unusable rule pack activation",
                extra={"offset": offset, "error": str(exc)},
            )
            return
        log.info(
            "rule pack applied",
            extra={"pack": event.subject(), "status": event.status, "offset": offset},
        )

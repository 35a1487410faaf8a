"""Moved: the wire events are ``sprg_shared.contracts.<topic>``, one module per topic.

A thin re-export kept while other branches still import from here; nothing in the
repository does. Delete it once they are merged.
"""

from __future__ import annotations

from sprg_shared.contracts import (
    calendar,
    clocks,
    dead_letters,
    decisions,
    intake,
    notifications,
    reports,
    rulepacks,
)
from sprg_shared.contracts.calendar import *  # noqa: F403
from sprg_shared.contracts.clocks import *  # noqa: F403
from sprg_shared.contracts.dead_letters import *  # noqa: F403
from sprg_shared.contracts.decisions import *  # noqa: F403
from sprg_shared.contracts.intake import *  # noqa: F403
from sprg_shared.contracts.notifications import *  # noqa: F403
from sprg_shared.contracts.reports import *  # noqa: F403
from sprg_shared.contracts.rulepacks import *  # noqa: F403

__all__ = [  # noqa: PLE0604 - the modules' own lists
    *calendar.__all__,
    *clocks.__all__,
    *dead_letters.__all__,
    *decisions.__all__,
    *intake.__all__,
    *notifications.__all__,
    *reports.__all__,
    *rulepacks.__all__,
]

"""What the reporting service offers other packages (the ``sprg`` command), and nothing else.

``sprg reporting rebuild`` and ``produce``: both composed in ``bootstrap`` on the settings the
service reads from the environment. Everything else in ``sprg_reporting`` is the service's own
and may change without notice; ``tests/unit/test_cli_facade.py`` holds the ``sprg`` command to
this module and pins ``__all__``.
"""

from __future__ import annotations

from sprg_reporting.bootstrap import produce, rebuild
from sprg_reporting.domain.periods import KINDS, BadPeriod
from sprg_reporting.handlers.read_models import Produced
from sprg_reporting.settings import ReportingSettings

__all__ = ["KINDS", "BadPeriod", "Produced", "ReportingSettings", "produce", "rebuild"]

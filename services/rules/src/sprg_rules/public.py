"""What the rules service offers other packages (the ``sprg`` command), and nothing else.

The offline assessment (``sprg assess``: the assessment contract on the shipped pack) and the
checks of a pack file (``sprg rules validate`` and ``test``). Everything else in ``sprg_rules``
is the service's own and may change without notice; ``tests/unit/test_cli_facade.py`` holds
the ``sprg`` command to this module and pins ``__all__``.
"""

from __future__ import annotations

from sprg_rules.domain.assess import assess
from sprg_rules.domain.loader import PackError, load_default_pack, parse_pack
from sprg_rules.domain.parsing import InputError, parse_assessment_input
from sprg_rules.handlers.packs import PackRejected, checked, summary

__all__ = [
    "InputError",
    "PackError",
    "PackRejected",
    "assess",
    "checked",
    "load_default_pack",
    "parse_assessment_input",
    "parse_pack",
    "summary",
]

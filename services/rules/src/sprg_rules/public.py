"""What the rules service offers other packages (the ``sprg`` command), and nothing else.

The offline assessment (``sprg assess``: the assessment contract on the shipped pack) and the
checks of a pack file (``sprg rules validate`` and ``test``). Everything else in ``sprg_rules``
is the service's own and may change without notice; ``tests/unit/test_cli_facade.py`` holds
the ``sprg`` command to this module and pins ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sprg_rules.domain.assess import assess
from sprg_rules.domain.loader import PackError, load_default_pack, parse_pack
from sprg_rules.domain.parsing import InputError, parse_assessment_input

if TYPE_CHECKING:
    from sprg_rules.handlers.packs import PackRejected, checked, summary
else:
    # The pack checks live beside the pack administration, which imports the store's and
    # the broker's clients (about 0.3 s): ``sprg assess`` needs none of it, so those three
    # names are imported when first asked for.
    _LAZY = frozenset({"PackRejected", "checked", "summary"})

    def __getattr__(name: str) -> Any:
        if name in _LAZY:
            return getattr(importlib.import_module("sprg_rules.handlers.packs"), name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

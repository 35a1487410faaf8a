"""``python -m sprg_rules``: one process, one uvicorn worker."""

from sprg_rules.bootstrap import build
from sprg_rules.settings import RulesSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = RulesSettings()
    serve(build(settings), settings)

"""``python -m sprg_rules``: one process, one uvicorn worker."""

from sprg_rules.entrypoints.api import create_app
from sprg_rules.settings import RulesSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = RulesSettings()
    serve(create_app(settings), settings)

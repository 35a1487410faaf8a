"""``python -m sprg_notifier``: one process, one uvicorn worker."""

from sprg_notifier.entrypoints.api import create_app
from sprg_notifier.settings import NotifierSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = NotifierSettings()
    serve(create_app(settings), settings)

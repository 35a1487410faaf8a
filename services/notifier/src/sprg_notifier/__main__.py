"""``python -m sprg_notifier``: one process, one uvicorn worker."""

from sprg_notifier.bootstrap import build
from sprg_notifier.settings import NotifierSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = NotifierSettings()
    serve(build(settings), settings)

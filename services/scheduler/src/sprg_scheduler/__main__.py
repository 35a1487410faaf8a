"""``python -m sprg_scheduler``: one process, one uvicorn worker."""

from sprg_scheduler.entrypoints.api import create_app
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = SchedulerSettings()
    serve(create_app(settings), settings)

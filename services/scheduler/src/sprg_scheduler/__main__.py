"""``python -m sprg_scheduler``: one process, one uvicorn worker."""

from sprg_scheduler.bootstrap import build
from sprg_scheduler.settings import SchedulerSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = SchedulerSettings()
    serve(build(settings), settings)

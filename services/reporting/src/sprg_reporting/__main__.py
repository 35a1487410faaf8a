"""``python -m sprg_reporting``: one process, one uvicorn worker."""

from sprg_reporting.bootstrap import build
from sprg_reporting.settings import ReportingSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = ReportingSettings()
    serve(build(settings), settings)

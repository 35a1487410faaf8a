"""``python -m sprg_intake``: one process, one uvicorn worker."""

from sprg_intake.entrypoints.api import create_app
from sprg_intake.settings import IntakeSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = IntakeSettings()
    serve(create_app(settings), settings)

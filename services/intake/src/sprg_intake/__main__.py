"""``python -m sprg_intake``: one process, one uvicorn worker."""

from sprg_intake.bootstrap import build
from sprg_intake.settings import IntakeSettings
from sprg_shared.service import serve

if __name__ == "__main__":
    settings = IntakeSettings()
    serve(build(settings), settings)

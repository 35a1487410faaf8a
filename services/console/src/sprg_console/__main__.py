"""``python -m sprg_console``: one process, one uvicorn worker."""

import uvicorn

from sprg_console.bootstrap import build
from sprg_console.settings import ConsoleSettings

if __name__ == "__main__":
    settings = ConsoleSettings()
    uvicorn.run(
        build(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )

# syntax=docker/dockerfile:1
#
# The one image recipe for all five services. The services differ only in their name and
# HTTP port, so those are build arguments; docker-compose.yml passes them for each service.
# The build context is the repository root (the uv workspace and its uv.lock live there).
#
# By hand, from the repository root:
#   docker build -f deploy/docker/service.Dockerfile \
#     --build-arg SERVICE=intake --build-arg PORT=8001 -t sprg-intake .
#
# SERVICE is one of intake, rules, scheduler, notifier, reporting; PORT is its default HTTP
# port (8001..8005). Running the image needs the environment docker-compose.yml sets,
# including SPRG_<SERVICE>_HTTP_HOST=0.0.0.0 (the services bind 127.0.0.1 by default).

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

# durable-rules 2.0.28 (rules) has no wheels: its C extension is compiled here. Installed for
# every service so this layer is identical, built once and shared; the compiler never reaches
# the runtime stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app

ARG SERVICE
ARG PORT
RUN case "${SERVICE}" in \
      intake|rules|scheduler|notifier|reporting) ;; \
      *) echo "build with --build-arg SERVICE=intake|rules|scheduler|notifier|reporting" >&2; exit 1 ;; \
    esac \
    && case "${PORT}" in \
      ''|*[!0-9]*) echo "build with --build-arg PORT=<the service's HTTP port>" >&2; exit 1 ;; \
    esac

# Dependencies first, from the lock and the workspace's pyproject files only: this layer is
# rebuilt when a dependency changes, not when a source file does. uv needs every member's
# pyproject.toml to read the workspace, even those it does not install.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY cli/pyproject.toml cli/
COPY services/intake/pyproject.toml services/intake/
COPY services/rules/pyproject.toml services/rules/
COPY services/scheduler/pyproject.toml services/scheduler/
COPY services/notifier/pyproject.toml services/notifier/
COPY services/reporting/pyproject.toml services/reporting/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package "sprg-${SERVICE}"

# Then the sources of sprg-shared and this service, installed into the venv as wheels
# (--no-editable), so the runtime stage needs nothing but the venv.
COPY shared/src shared/src
COPY services/${SERVICE}/src services/${SERVICE}/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "sprg-${SERVICE}"
# Fail the build, not the container, when the service's entry module or an import is missing
# (a package with no sources still builds as an empty wheel).
RUN /app/.venv/bin/python -c \
    "import importlib, sys; importlib.import_module(f'sprg_{sys.argv[1]}.__main__')" "${SERVICE}"

# ---------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE
ARG PORT

RUN groupadd --system --gid 10001 sprg \
    && useradd --system --uid 10001 --gid sprg --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin sprg

# Owned by root and read-only to the service user: the process cannot change its own code.
COPY --from=builder /app/.venv /app/.venv

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SPRG_SERVICE=${SERVICE} \
    SPRG_SERVICE_PORT=${PORT}

WORKDIR /app
USER 10001:10001
EXPOSE ${PORT}

# "The process is up". Follows SPRG_<SERVICE>_HTTP_PORT when it is overridden at run time.
# docker-compose.yml replaces this with a /readyz check (broker and store reachable).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; s = os.environ['SPRG_SERVICE']; p = os.environ.get(f'SPRG_{s.upper()}_HTTP_PORT', os.environ['SPRG_SERVICE_PORT']); r.urlopen(f'http://127.0.0.1:{p}/healthz', timeout=4)"]

# python -m sprg_<SERVICE>. A build argument cannot appear in an exec-form CMD, so a shell
# expands the name and exec hands PID 1 to python (uvicorn gets SIGTERM directly).
CMD ["sh", "-c", "exec python -m \"sprg_${SPRG_SERVICE}\""]

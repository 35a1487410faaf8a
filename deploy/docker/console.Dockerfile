# syntax=docker/dockerfile:1
#
# The console (services/console, port 8000): pages for people, no state of its own. Its own
# recipe because it needs GOV.UK Frontend's assets (npm, by version) and nothing compiled.
# The build context is the repository root.
#
#   docker build -f deploy/docker/console.Dockerfile -t sprg-console .

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:22-slim

# ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS assets
WORKDIR /src
COPY deploy/local/console-assets.sh deploy/local/
RUN SPRG_CONSOLE_STATIC=/static SPRG_AXE_DIR=/tmp/axe deploy/local/console-assets.sh

# ---------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# uv needs every member's pyproject.toml to read the workspace, even those it does not install.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY cli/pyproject.toml cli/
COPY services/intake/pyproject.toml services/intake/
COPY services/rules/pyproject.toml services/rules/
COPY services/scheduler/pyproject.toml services/scheduler/
COPY services/notifier/pyproject.toml services/notifier/
COPY services/reporting/pyproject.toml services/reporting/
COPY services/console/pyproject.toml services/console/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package sprg-console
COPY shared/src shared/src
COPY services/console/src services/console/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package sprg-console
RUN /app/.venv/bin/python -c "import sprg_console.__main__"

# ---------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 sprg \
    && useradd --system --uid 10001 --gid sprg --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin sprg
COPY --from=builder /app/.venv /app/.venv
COPY --from=assets /static /app/static
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SPRG_CONSOLE_STATIC_DIR=/app/static
WORKDIR /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["python", "-m", "sprg_console"]

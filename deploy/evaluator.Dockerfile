# syntax=docker/dockerfile:1.7
# ProLight evaluator: lighting metrics, SSIM, CLIP and LPIPS on a GPU, micro-batched; the only
# image with torch. Build from the repository root, for a GPU (default) or the CPU:
#   docker build -f deploy/evaluator.Dockerfile -t prolight/evaluator:cuda .
#   docker build -f deploy/evaluator.Dockerfile --build-arg VARIANT=cpu -t prolight/evaluator:cpu .
# The CUDA variant runs on the NVIDIA CUDA runtime base with torch's CUDA wheels; the CPU variant
# on Debian slim with torch's CPU wheels (no CUDA libraries: a fraction of the size).
# Python comes from uv's standalone builds, so one interpreter works on either base. Runs as
# uid 10001 with a read-only root: /tmp is the only writable path; model weights are read from
# the /models volume (nothing is downloaded at run time).
ARG VARIANT=cuda
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
ARG CPU_IMAGE=debian:bookworm-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.9
# Keep equal to the pins in services/evaluator/pyproject.toml (tests/deploy checks it).
ARG TORCH_VERSION=2.14.1
ARG TORCHVISION_VERSION=0.29.1

FROM ${UV_IMAGE} AS uv

FROM debian:bookworm-slim AS python
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_INSTALL_DIR=/opt/python UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_NO_CACHE=1 \
    UV_PYTHON_PREFERENCE=only-managed
RUN uv python install 3.11 && uv venv --python 3.11 /opt/venv

# torch first, from PyTorch's index for the variant; everything else from PyPI afterwards.
FROM python AS torch-cuda
ARG TORCH_VERSION
ARG TORCHVISION_VERSION
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
RUN uv pip install --python /opt/venv/bin/python --index-url "${TORCH_INDEX_URL}" \
      "torch==${TORCH_VERSION}" "torchvision==${TORCHVISION_VERSION}"

FROM python AS torch-cpu
ARG TORCH_VERSION
ARG TORCHVISION_VERSION
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN uv pip install --python /opt/venv/bin/python --index-url "${TORCH_INDEX_URL}" \
      "torch==${TORCH_VERSION}" "torchvision==${TORCHVISION_VERSION}"

FROM torch-${VARIANT} AS build
WORKDIR /src
COPY constraints.txt ./
COPY libs/prolight/pyproject.toml libs/prolight/
COPY services/evaluator/pyproject.toml services/evaluator/
# Empty packages stand in for the source, so this layer depends on the pyproject files only.
RUN mkdir -p libs/prolight/src/prolight services/evaluator/src/prolight_evaluator \
 && touch libs/prolight/src/prolight/__init__.py services/evaluator/src/prolight_evaluator/__init__.py \
 && uv pip install --python /opt/venv/bin/python -c constraints.txt \
      "./libs/prolight[imaging,bus,mongo,postgres,s3,otlp]" ./services/evaluator
COPY libs/prolight/src libs/prolight/src
COPY services/evaluator/src services/evaluator/src
RUN uv pip install --python /opt/venv/bin/python --no-deps --reinstall \
      ./libs/prolight ./services/evaluator

FROM ${CUDA_IMAGE} AS runtime-cuda
# The base sets NVIDIA_VISIBLE_DEVICES and NVIDIA_DRIVER_CAPABILITIES for the container toolkit.
ENV PROLIGHT_EVALUATOR_DEVICE=cuda

FROM ${CPU_IMAGE} AS runtime-cpu
ENV PROLIGHT_EVALUATOR_DEVICE=cpu

FROM runtime-${VARIANT} AS runtime
RUN groupadd --system --gid 10001 prolight \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin prolight \
 && mkdir -p /models /data && chown 10001:10001 /data
COPY --from=build /opt/python /opt/python
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TORCH_HOME=/tmp/torch \
    XDG_CACHE_HOME=/tmp/cache \
    PROLIGHT_STORE_URL=sqlite:////data/prolight.db \
    PROLIGHT_BLOB_URL=file:///data/blobs \
    PROLIGHT_EVALUATOR_HOST=0.0.0.0 \
    PROLIGHT_HEALTH_HOST=0.0.0.0 \
    PROLIGHT_EVALUATOR_HEALTH_PORT=8013
WORKDIR /data
VOLUME ["/data", "/tmp", "/models"]
USER 10001:10001
EXPOSE 8013
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:' + os.environ.get('PROLIGHT_EVALUATOR_HEALTH_PORT', '8013') + '/healthz', timeout=2)"]
ENTRYPOINT ["prolight-evaluator"]

"""The evaluator's configuration: `WorkerSettings` plus its port, models, device and batching.

Model weights are only ever read from local files named here; nothing downloads at run time.
A metric whose file is not configured is reported *unavailable* and left out of the ensemble.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from prolight.platform.settings import WorkerSettings, base_url
from prolight_evaluator.ensemble import DEFAULT_WEIGHTS, METRICS

__all__ = ["EvaluatorSettings", "Precision"]

Precision = Literal["auto", "fp32", "fp16", "bf16"]


class EvaluatorSettings(WorkerSettings):
    """`PROLIGHT_*` variables the evaluator reads (see `WorkerSettings` for the shared ones)."""

    evaluator_health_port: int = Field(
        8013,
        ge=0,
        le=65535,
        description="Port of the evaluator's HTTP API: /eval/*, /healthz, /readyz; 0 turns it off.",
    )
    evaluator_host: str = Field(
        "127.0.0.1",
        description="Address the HTTP API listens on: this machine only by default; 0.0.0.0 "
        "in a container (the image and the manifests set it).",
    )
    evaluator_device: str = Field(
        "auto", description="auto (the first CUDA GPU when present, else cpu), cpu, cuda or cuda:N."
    )
    evaluator_precision: Precision = Field(
        "auto", description="Model precision on CUDA: auto (bf16 where supported, else fp16)."
    )
    evaluator_batch_size: int = Field(
        16, ge=1, le=1024, description="Most images scored in one model batch (N)."
    )
    evaluator_batch_window_ms: float = Field(
        20.0, ge=0, le=10_000, description="Longest wait for a batch to fill, in ms (T)."
    )
    evaluator_decode_workers: int = Field(
        0, ge=0, le=256, description="Threads decoding images; 0: one per CPU core."
    )
    evaluator_clip_model: str = Field(
        "ViT-B-32", description="open_clip architecture name (built in, or the config's stem)."
    )
    evaluator_clip_checkpoint: Path | None = Field(
        None, description="Local CLIP checkpoint (state dict); unset: CLIP is unavailable."
    )
    evaluator_clip_config: Path | None = Field(
        None, description="A JSON open_clip model config to register (for non-built-in models)."
    )
    evaluator_lpips_net: Literal["alex", "vgg", "squeeze"] = Field(
        "alex", description="LPIPS backbone architecture."
    )
    evaluator_lpips_backbone: Path | None = Field(
        None,
        description="Local torchvision checkpoint of the LPIPS backbone (its `features.*` "
        "weights); unset: LPIPS is unavailable.",
    )
    evaluator_lpips_linear: Path | None = Field(
        None,
        description="LPIPS linear-layer weights; unset: the v0.1 weights the lpips package ships.",
    )
    evaluator_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description='Ensemble weights as JSON, e.g. {"lighting": 0.4, "clip": 0.3, "lpips": 0.2, '
        '"ssim": 0.1}; renormalised over the metrics available for an image.',
    )
    evaluator_max_upload_mb: float = Field(
        20.0, gt=0, le=512, description="Largest image accepted by /eval/* (413 above it), MB."
    )
    gateway_public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Base URL clients reach the gateway at: /eval/* take this deployment's "
        "artifact URLs (<this>/api/artifacts/<id>) and refuse every other URL.",
    )

    @field_validator(
        "evaluator_clip_checkpoint",
        "evaluator_clip_config",
        "evaluator_lpips_backbone",
        "evaluator_lpips_linear",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("gateway_public_url")
    @classmethod
    def _gateway_url(cls, v: str) -> str:
        return base_url(v)

    @field_validator("evaluator_device")
    @classmethod
    def _device(cls, v: str) -> str:
        v = v.strip().lower()
        if v in ("auto", "cpu", "cuda") or (v.startswith("cuda:") and v[5:].isdigit()):
            return v
        raise ValueError("expected auto, cpu, cuda or cuda:N")

    @field_validator("evaluator_clip_model")
    @classmethod
    def _no_hub(cls, v: str) -> str:
        if ":" in v:
            raise ValueError(
                "expected an open_clip model name such as ViT-B-32; schemas like hf-hub: are "
                "refused because nothing downloads at run time"
            )
        return v

    @field_validator("evaluator_weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(METRICS))
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(METRICS)}")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("weights are ≥ 0 and at least one is > 0")
        return v

    @property
    def max_upload_bytes(self) -> int:
        """`evaluator_max_upload_mb` in bytes (MB = 10⁶ bytes)."""
        return int(self.evaluator_max_upload_mb * 1_000_000)

"""Tiny models built on the fly, saved to files, and loaded through the production code; and
the /eval API over ASGI on real stores.

`tiny_weights` (session) writes a small open_clip config ("prolight-tiny-clip": 1-layer,
32-wide towers, 32 px images) with a randomly initialised checkpoint, and a randomly initialised
AlexNet backbone (`features.*`, as torchvision saves it) for LPIPS. Both are seeded, so every
run scores the same. `TinyWeights.settings()` / `.env()` point an `EvaluatorSettings` at them.

`harness_for(models, tmp_path)` serves `create_app` on a SQLite run store and a file artifact
store, with `GATEWAY` as the gateway's public URL; `Harness.artifact` stores an image as an
artifact, `Harness.post` sends a multipart form.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import open_clip
import pytest
import torch
import torchvision
from PIL import Image

from prolight.platform.blobs import ArtifactStore, open_blobs
from prolight.platform.health import HealthServer
from prolight.platform.store import ArtifactRecord, RunStore, open_store
from prolight_evaluator.api import EvalContext, create_app
from prolight_evaluator.batcher import MicroBatcher
from prolight_evaluator.models import Models, load_models
from prolight_evaluator.scoring import Scorer
from prolight_evaluator.settings import EvaluatorSettings

__all__ = [
    "GATEWAY",
    "MAX_UPLOAD",
    "TINY_CLIP",
    "Harness",
    "TinyWeights",
    "harness_for",
    "png",
    "tiny_models",
    "tiny_weights",
    "upload",
]

TINY_CLIP = "prolight-tiny-clip"
_TINY_CLIP_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 24, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


@dataclass(frozen=True)
class TinyWeights:
    """Paths of the tiny model files."""

    clip_config: Path
    clip_checkpoint: Path
    lpips_backbone: Path

    def env(self) -> dict[str, str]:
        """The PROLIGHT_EVALUATOR_* variables that load these models."""
        return {
            "PROLIGHT_EVALUATOR_CLIP_MODEL": TINY_CLIP,
            "PROLIGHT_EVALUATOR_CLIP_CONFIG": str(self.clip_config),
            "PROLIGHT_EVALUATOR_CLIP_CHECKPOINT": str(self.clip_checkpoint),
            "PROLIGHT_EVALUATOR_LPIPS_BACKBONE": str(self.lpips_backbone),
            "PROLIGHT_EVALUATOR_DEVICE": "cpu",
        }

    def settings(self, **overrides: Any) -> EvaluatorSettings:
        """Evaluator settings with these models (and `overrides`)."""
        fields: dict[str, Any] = {
            "evaluator_clip_model": TINY_CLIP,
            "evaluator_clip_config": self.clip_config,
            "evaluator_clip_checkpoint": self.clip_checkpoint,
            "evaluator_lpips_backbone": self.lpips_backbone,
            "evaluator_device": "cpu",
            "evaluator_health_port": 0,
        }
        return EvaluatorSettings(**{**fields, **overrides})


def build_tiny_weights(root: Path) -> TinyWeights:
    """Write the tiny CLIP config and checkpoint and the LPIPS backbone under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / f"{TINY_CLIP}.json"
    config.write_text(json.dumps(_TINY_CLIP_CONFIG))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    clip = open_clip.create_model(TINY_CLIP, pretrained=None)
    checkpoint = root / "tiny-clip.pt"
    torch.save(clip.state_dict(), checkpoint)
    features = torchvision.models.alexnet(weights=None).features.state_dict()
    backbone = root / "alexnet-features.pth"
    torch.save({f"features.{k}": v for k, v in features.items()}, backbone)
    return TinyWeights(config, checkpoint, backbone)


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory: pytest.TempPathFactory) -> TinyWeights:
    """The tiny model files, built once per session."""
    return build_tiny_weights(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="session")
def tiny_models(tiny_weights: TinyWeights) -> Models:
    """The tiny models loaded through `load_models`, once per session."""
    return load_models(tiny_weights.settings())


def png(pixels: np.ndarray, fmt: str = "PNG") -> bytes:
    """(H, W, 3) uint8 pixels encoded as PNG (or `fmt`)."""
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, format=fmt)
    return out.getvalue()


def noise(height: int, width: int, seed: int) -> np.ndarray:
    """Seeded random 8-bit RGB pixels, smoothed a little so they look like a picture."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (height // 4 + 1, width // 4 + 1, 3)).astype(np.uint8)
    image = Image.fromarray(base).resize((width, height), Image.Resampling.BILINEAR)
    return np.array(image)


MAX_UPLOAD = 200_000
"""The harness' per-image upload limit, bytes."""
GATEWAY = "http://gateway.test:8000"
"""The harness' gateway public URL: its artifact URLs are the ones the API accepts."""


class Harness:
    """The API's client and the stores and batcher behind it."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        store: RunStore,
        blobs: ArtifactStore,
        batcher: MicroBatcher,
    ) -> None:
        self.client, self.store, self.blobs, self.batcher = client, store, blobs, batcher

    async def artifact(self, artifact_id: str, data: bytes, kind: str = "image") -> ArtifactRecord:
        """Store `data` as artifact `artifact_id` of run r1."""
        info = await self.blobs.put(data, "image/png")
        return await self.store.put_artifact(
            ArtifactRecord(
                artifact_id=artifact_id,
                run_id="r1",
                sha256=info.key,
                url=f"/artifacts/{artifact_id}",
                size_bytes=len(data),
                kind=kind,
            )
        )

    async def post(
        self, path: str, files: list[tuple[str, tuple[str, bytes, str]]] | None = None, **data: Any
    ) -> httpx.Response:
        """POST a multipart form (always multipart: an empty dummy file when there is none)."""
        return await self.client.post(
            path, files=files or [("_", ("", b"", "text/plain"))], data=data
        )


async def harness_for(models: Models, tmp_path: Path) -> AsyncIterator[Harness]:
    """A `Harness` on fresh stores under `tmp_path` (module doc)."""
    async with (
        await open_store(f"sqlite:///{tmp_path / 'store.db'}") as store,
        await open_blobs(f"file://{tmp_path / 'blobs'}") as blobs,
        MicroBatcher(Scorer(models), max_items=8, window_s=0.01) as batcher,
    ):
        health = HealthServer(0, {})
        ctx = EvalContext(batcher, models, store, blobs, MAX_UPLOAD, health, GATEWAY)
        transport = httpx.ASGITransport(app=create_app(ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://evaluator") as client:
            yield Harness(client, store, blobs, batcher)


def upload(name: str, data: bytes, field: str = "image", kind: str = "image/png") -> Any:
    """One multipart file entry for `Harness.post`."""
    return (field, (name, data, kind))

"""The models of one evaluator process, loaded once at start-up from local files.

A model whose file is not configured, or configured but not present, is `Unavailable` with
the reason (naming the variable to set); the service still starts and reports the metric as
unavailable. A file that is present but does not load stops the start-up (`ModelLoadError`):
that is a broken deployment, not a missing option.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from prolight_evaluator.clip_model import ClipModel, load_clip
from prolight_evaluator.device import Placement, resolve
from prolight_evaluator.lpips_model import LpipsModel, load_lpips
from prolight_evaluator.settings import EvaluatorSettings

__all__ = ["Models", "Unavailable", "load_models"]

log = logging.getLogger("prolight.evaluator")


@dataclass(frozen=True)
class Unavailable:
    """A model that is not loaded, and why (shown in results as the metric's reason)."""

    reason: str


@dataclass(frozen=True)
class Models:
    """CLIP and LPIPS (each loaded or `Unavailable`) and where they run."""

    placement: Placement
    clip: ClipModel | Unavailable
    lpips: LpipsModel | Unavailable

    def describe(self) -> dict[str, str]:
        """metric → "loaded" or the reason it is unavailable, plus device and precision."""
        return {
            "device": str(self.placement.device),
            "precision": self.placement.precision,
            "clip": self.clip.reason if isinstance(self.clip, Unavailable) else "loaded",
            "lpips": self.lpips.reason if isinstance(self.lpips, Unavailable) else "loaded",
        }


def _missing(path: Path | None, variable: str) -> Unavailable | None:
    if path is None:
        return Unavailable(f"no weights configured ({variable})")
    if not path.is_file():
        return Unavailable(f"weights file {path} not found ({variable})")
    return None


def load_models(settings: EvaluatorSettings) -> Models:
    """Load what the settings name (module doc); raises `ModelLoadError` on a broken file."""
    placement = resolve(settings.evaluator_device, settings.evaluator_precision)
    env = settings.env_name
    clip: ClipModel | Unavailable
    lpips: LpipsModel | Unavailable
    clip_ckpt = settings.evaluator_clip_checkpoint
    clip = _missing(clip_ckpt, env("evaluator_clip_checkpoint")) or load_clip(
        settings.evaluator_clip_model,
        clip_ckpt or Path(),
        settings.evaluator_clip_config,
        placement,
    )
    backbone = settings.evaluator_lpips_backbone
    lpips = _missing(backbone, env("evaluator_lpips_backbone")) or load_lpips(
        settings.evaluator_lpips_net, backbone or Path(), settings.evaluator_lpips_linear, placement
    )
    models = Models(placement, clip, lpips)
    log.info("evaluator models: %s", models.describe())
    return models

"""CLIP (open-clip-torch) from a local checkpoint: image and text embeddings, their cosine.

Loading never downloads: the architecture is an open_clip model name (built in, or the stem
of a JSON config registered from `config`), the weights a local file. Image preprocessing is
the model's own evaluation transform (resize, centre crop, normalise) and runs in the decode
threads; the text embedding of a caption is computed once and cached.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import open_clip
import torch
from numpy.typing import NDArray
from PIL import Image
from torch import Tensor

from prolight_evaluator.device import Placement
from prolight_evaluator.errors import ModelLoadError

__all__ = ["ClipModel", "load_clip"]

_TEXT_CACHE_SIZE = 1024


class ClipModel:
    """A loaded CLIP model on its placement (module doc)."""

    def __init__(
        self,
        name: str,
        model: Any,
        preprocess: Callable[[Image.Image], Tensor],
        tokenizer: Callable[[list[str]], Tensor],
        placement: Placement,
    ) -> None:
        self.name = name
        self.model = model
        self.placement = placement
        self._preprocess = preprocess
        self._tokenizer = tokenizer
        self._texts: dict[str, Tensor] = {}

    def prepare(self, pixels: NDArray[np.uint8]) -> Tensor:
        """The (3, S, S) model input of (H, W, 3) RGB pixels; thread-safe, CPU only."""
        return self._preprocess(Image.fromarray(pixels))

    def similarity(self, images: Tensor, captions: Sequence[str]) -> list[float]:
        """Cosine similarity of each prepared image (N, 3, S, S) with its caption."""
        with self.placement.inference():
            pixels = images.to(self.placement.device, non_blocking=True)
            feats = self.model.encode_image(pixels).float()
            feats = feats / feats.norm(dim=-1, keepdim=True)
            texts = torch.stack([self._text(c) for c in captions])
        return [float(v) for v in (feats * texts).sum(dim=-1).cpu()]

    def _text(self, caption: str) -> Tensor:
        cached = self._texts.get(caption)
        if cached is None:
            if len(self._texts) >= _TEXT_CACHE_SIZE:
                self._texts.clear()
            tokens = self._tokenizer([caption]).to(self.placement.device)
            feat = self.model.encode_text(tokens).float()[0]
            cached = self._texts[caption] = feat / feat.norm()
        return cached


def load_clip(name: str, checkpoint: Path, config: Path | None, placement: Placement) -> ClipModel:
    """The CLIP model `name` with the weights in `checkpoint` (a file that exists).

    `config` is a JSON open_clip model config to register first (its file stem is the name it
    registers). Raises `ModelLoadError` when the architecture is unknown or the weights do not
    fit it.
    """
    try:
        if config is not None:
            open_clip.add_model_config(config)
        model, _, preprocess = open_clip.create_model_and_transforms(
            name,
            pretrained=str(checkpoint),
            device=placement.device,
            precision="fp32",
            pretrained_image=False,
            pretrained_text=False,
            weights_only=True,
        )
        tokenizer = open_clip.get_tokenizer(name)
    except (RuntimeError, ValueError, KeyError, OSError, EOFError, pickle.UnpicklingError) as exc:
        raise ModelLoadError(f"cannot load CLIP {name} from {checkpoint}: {exc}") from exc
    model.eval()
    return ClipModel(name, model, preprocess, tokenizer, placement)

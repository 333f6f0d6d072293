"""LPIPS (the lpips package) with its backbone read from a local torchvision checkpoint.

`lpips.LPIPS(pnet_rand=True)` builds the backbone without weights (its default would fetch
torchvision's ImageNet weights from the internet); the backbone's `features.*` weights are then
copied in from `backbone`, e.g. torchvision's `alexnet-owt-7be5be79.pth`. The linear layers
are the v0.1 weights the lpips package ships, or `linear` when given.
"""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import lpips
import torch
from torch import Tensor

from prolight_evaluator.device import Placement
from prolight_evaluator.errors import ModelLoadError

__all__ = ["LpipsModel", "load_lpips"]

_SLICE_KEY = re.compile(r"^slice\d+\.(\d+)\.(.+)$")


class LpipsModel:
    """A loaded LPIPS model on its placement."""

    def __init__(self, net: str, model: Any, placement: Placement) -> None:
        self.net = net
        self.model = model
        self.placement = placement

    def distance(self, images: Tensor, references: Tensor) -> list[float]:
        """LPIPS distance of each pair: (N, 3, H, W) float in [0, 1] on the model's device."""
        with self.placement.inference():
            out = self.model(images, references, normalize=True)
        return [float(v) for v in out.float().flatten().cpu()]


def _backbone_state(model: Any, checkpoint: dict[str, Tensor]) -> dict[str, Tensor]:
    """The lpips backbone's state (`sliceK.I.param`) from torchvision's (`features.I.param`)."""
    features = {k.removeprefix("features."): v for k, v in checkpoint.items()}
    state: dict[str, Tensor] = {}
    missing = []
    for key in model.net.state_dict():
        match = _SLICE_KEY.match(key)
        source = f"{match.group(1)}.{match.group(2)}" if match else key
        if source not in features:
            missing.append(f"features.{source}")
        else:
            state[key] = features[source]
    if missing:
        raise ModelLoadError(f"backbone checkpoint lacks {', '.join(missing[:4])}")
    return state


def load_lpips(net: str, backbone: Path, linear: Path | None, placement: Placement) -> LpipsModel:
    """LPIPS on `net` (alex, vgg, squeeze) with the backbone weights in `backbone` (module doc).

    Raises `ModelLoadError` when a file cannot be read or does not fit the network.
    """
    try:
        with warnings.catch_warnings():
            # lpips 0.1.4 calls torchvision's deprecated `pretrained=` argument (False here:
            # no download); the warning is about lpips' call style, not about our weights.
            warnings.filterwarnings(
                "ignore", message=r"The parameter 'pretrained' is deprecated", category=UserWarning
            )
            warnings.filterwarnings(
                "ignore", message=r"Arguments other than a weight enum", category=UserWarning
            )
            model = lpips.LPIPS(
                pretrained=True,  # the linear layers: the shipped v0.1 file or `linear`
                net=net,
                pnet_rand=True,
                verbose=False,
                model_path=None if linear is None else str(linear),
            )
        checkpoint = torch.load(backbone, map_location="cpu", weights_only=True)
        if not isinstance(checkpoint, dict):
            raise ModelLoadError(f"{backbone} is not a state dict")
        model.net.load_state_dict(_backbone_state(model, checkpoint), strict=True)
    except (RuntimeError, OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError) as exc:
        raise ModelLoadError(f"cannot load LPIPS-{net} from {backbone}: {exc}") from exc
    model.eval().to(placement.device)
    return LpipsModel(net, model, placement)

"""Where and in what precision the models run: the settings' choice, resolved once.

`auto` picks the first CUDA GPU when torch sees one, else the CPU. On CUDA the models run
under autocast in bf16 (where the GPU supports it) or fp16; on the CPU always fp32 (CPU
half-precision kernels are slower than fp32 ones, and the numbers would move).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import torch

__all__ = ["Placement", "resolve"]


@dataclass(frozen=True)
class Placement:
    """A device and the autocast dtype used on it (None: plain fp32)."""

    device: torch.device
    autocast: torch.dtype | None

    @property
    def precision(self) -> str:
        """fp32, fp16 or bf16, for reports."""
        names = {torch.float16: "fp16", torch.bfloat16: "bf16"}
        return "fp32" if self.autocast is None else names[self.autocast]

    @contextlib.contextmanager
    def inference(self) -> Iterator[None]:
        """No gradients, and autocast when the placement asks for it."""
        with torch.inference_mode():
            if self.autocast is None:
                yield
            else:
                with torch.autocast(device_type=self.device.type, dtype=self.autocast):
                    yield


def resolve(device: str, precision: str) -> Placement:
    """The placement for the settings' `evaluator_device` and `evaluator_precision`.

    Raises `ValueError` when CUDA is asked for and torch sees no GPU.
    """
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device} asked for, but torch sees no CUDA GPU")
    dev = torch.device(device)
    if dev.type != "cuda" or precision == "fp32":
        return Placement(dev, None)
    if precision == "auto":
        bf16 = torch.cuda.is_bf16_supported()
        return Placement(dev, torch.bfloat16 if bf16 else torch.float16)
    return Placement(dev, torch.bfloat16 if precision == "bf16" else torch.float16)

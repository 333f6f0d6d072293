"""Which framing (subject, shot, head turn) an image shows: each candidate rendered as a
template of normals and materials, scored by how well its edges lie on the image's edges."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from prolight.domain.inspire.tone import LUMA
from prolight.domain.render.renderer import render_with_buffers
from prolight.domain.render.scene import Scene, build_scene, rotate_y
from prolight.domain.schema import FiboPrompt, LightingSetup, ShotType, SubjectKind

__all__ = [
    "FRAMINGS",
    "WORK_SIDE",
    "Framing",
    "Template",
    "edge_score",
    "gradient",
    "template_for",
    "work_size",
]

WORK_SIDE = 320
"""Longest side, in pixels, the image is measured at."""


@dataclass(frozen=True)
class Framing:
    """A candidate geometry: what is in front of the camera and how it is framed."""

    kind: SubjectKind
    shot_type: ShotType
    head_turn_deg: float


FRAMINGS = (
    Framing(SubjectKind.PORTRAIT, ShotType.HEADSHOT, 0.0),
    Framing(SubjectKind.PORTRAIT, ShotType.HEADSHOT, -30.0),
    Framing(SubjectKind.PORTRAIT, ShotType.HEADSHOT, 30.0),
    Framing(SubjectKind.PORTRAIT, ShotType.HEADSHOT, -15.0),
    Framing(SubjectKind.PORTRAIT, ShotType.HEADSHOT, 15.0),
    Framing(SubjectKind.PORTRAIT, ShotType.MEDIUM_CLOSE_UP, 0.0),
    Framing(SubjectKind.PRODUCT, ShotType.PRODUCT, 0.0),
)
"""The framings tried, in order (ties go to the earlier one)."""


def work_size(w: int, h: int) -> tuple[int, int]:
    """The size, in pixels, an image of `w` × `h` is measured at."""
    scale = min(1.0, WORK_SIDE / max(w, h))
    return max(64, round(w * scale)), max(64, round(h * scale))


@dataclass(frozen=True)
class Template:
    framing: Framing
    setup: LightingSetup
    scene: Scene
    pixel: NDArray[np.intp]  # flat image index of each subject sample
    point: NDArray[np.float32]
    normal: NDArray[np.float32]  # subject frame
    normal_cam: NDArray[np.float64]  # camera frame
    material: NDArray[np.uint8]
    back: NDArray[np.bool_]


_TEMPLATE_SEED = 0


@lru_cache(maxsize=32)
def template_for(framing: Framing, width: int, height: int) -> Template:
    """The renderer's subject for `framing` at `width` × `height`: each sample's pixel, point,
    normal and material."""
    setup = LightingSetup.model_validate(
        {
            "lighting": {"key": {"direction": {"azimuth": 0, "elevation": 0}}},
            "camera": {"shot_type": framing.shot_type.value},
            "subject": {"kind": framing.kind.value, "head_turn_deg": framing.head_turn_deg},
        }
    )
    _, buf = render_with_buffers(FiboPrompt(scene=setup), _TEMPLATE_SEED, width, height)
    scene = build_scene(setup, _TEMPLATE_SEED, width, height)
    sw = -(-width // buf.block)
    rows, cols = buf.pixel // sw, buf.pixel % sw
    pixel = np.minimum(rows * buf.block, height - 1) * width + np.minimum(
        cols * buf.block, width - 1
    )
    normal_cam = rotate_y(buf.normal.astype(np.float64), scene.subject_yaw_deg)
    return Template(
        framing, setup, scene, pixel, buf.point, buf.normal, normal_cam, buf.material, buf.back
    )


def edge_score(grad: NDArray[np.float64], template: Template, w: int, h: int) -> float:
    """How well the template's outline and feature edges (skin/eye/lips/hair/backdrop) lie on
    the image's edges: mean gradient on them (±1 pixel) over the image's mean gradient."""
    mat = np.zeros(w * h, np.int16)
    mat[template.pixel] = template.material.astype(np.int16) + 1
    grid = mat.reshape(h, w)
    edge = np.zeros((h, w), dtype=bool)
    edge[:, :-1] |= grid[:, :-1] != grid[:, 1:]
    edge[:-1, :] |= grid[:-1, :] != grid[1:, :]
    near = edge.copy()
    near[1:] |= edge[:-1]
    near[:-1] |= edge[1:]
    near[:, 1:] |= edge[:, :-1]
    near[:, :-1] |= edge[:, 1:]
    if not near.any():
        return 0.0
    return float(grad[near].mean() / (grad.mean() + 1e-9))


def gradient(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Per pixel, the larger luminance step to the right or below (8-bit codes)."""
    g: NDArray[np.float64] = pixels.astype(np.float64) @ LUMA
    grad: NDArray[np.float64] = np.zeros_like(g)
    grad[:, :-1] = np.abs(np.diff(g, axis=1))
    grad[:-1, :] = np.maximum(grad[:-1, :], np.abs(np.diff(g, axis=0)))
    return grad

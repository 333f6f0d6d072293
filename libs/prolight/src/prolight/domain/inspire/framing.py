"""Which framing (subject, shot, head turn) an image shows: each candidate's template (what the
photoreal renderer's camera sees at each pixel: normals and materials), scored by how well its
edges lie on the image's edges."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from prolight.domain.inspire.tone import LUMA
from prolight.domain.photoreal import surfaces
from prolight.domain.render.relief import Material
from prolight.domain.render.scene import Scene, build_scene, rotate_y
from prolight.domain.schema import LightingSetup, ShotType, SubjectKind
from prolight.domain.sitter.appearance import sitter

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
    """What the camera sees of the framing's subject, per pixel of it (flat index `pixel`)."""

    framing: Framing
    setup: LightingSetup
    scene: Scene
    pixel: NDArray[np.intp]
    point: NDArray[np.float32]  # subject frame
    normal: NDArray[np.float32]  # subject frame
    normal_cam: NDArray[np.float64]  # camera frame
    material: NDArray[np.uint8]  # render.relief.Material
    meter: NDArray[np.bool_]  # where the face meter reads (skin of the cheeks, or the label)


_TEMPLATE_SEED = 0


@lru_cache(maxsize=32)
def template_for(framing: Framing, width: int, height: int) -> Template:
    """The photoreal renderer's subject for `framing` at `width` × `height`: each pixel's
    point, normal and material, and the meter's zone."""
    setup = LightingSetup.model_validate(
        {
            "lighting": {"key": {"direction": {"azimuth": 0, "elevation": 0}}},
            "camera": {"shot_type": framing.shot_type.value},
            "subject": {"kind": framing.kind.value, "head_turn_deg": framing.head_turn_deg},
        }
    )
    seen = surfaces(setup, _TEMPLATE_SEED, width, height)
    scene = build_scene(setup, _TEMPLATE_SEED, width, height)
    material = seen.material().ravel()
    pixel = np.flatnonzero(material != Material.NONE)
    point = seen.point.reshape(-1, 3)[pixel]
    normal = seen.normal.reshape(-1, 3)[pixel]
    metered = Material.LABEL if framing.kind == SubjectKind.PRODUCT else Material.SKIN
    meter = (material[pixel] == metered) & sitter(setup.subject).meter_zone(point)
    normal_cam = rotate_y(normal.astype(np.float64), scene.subject_yaw_deg)
    return Template(framing, setup, scene, pixel, point, normal, normal_cam, material[pixel], meter)


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

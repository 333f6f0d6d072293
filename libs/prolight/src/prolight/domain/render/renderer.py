"""`render(prompt, seed, width, height)`: the local, physically based preview of a lighting setup.

Pipeline (all vectorised NumPy, single-threaded, float32):

1. `scene.build_scene` — camera, lights, backdrop, and the seed's declared variation;
2. `raycast.cast` — camera rays against the subject's relief (`relief.py`) on a grid half as
   fine as the subject's samples, then `upsample.refine` to every sample (interpolated depth
   inside the subject, traced rays at its outline and depth steps);
3. `raycast.shadow_map` — a soft shadow map per light on the relief's grid (resolution
   independent of the output size);
4. the backdrop at a quarter of the resolution (it is smooth: soft light, soft shadows),
   interpolated up;
5. `shading.shade_subject`: the lighting on the half grid, interpolated to every sample with
   edge awareness and multiplied by the full-resolution albedo; eyes, glass, metal and samples
   without a matching half sample shaded on their own (see `upsample.py`);
6. `measure.measure_cheeks` — the face meter (ratio on the face, in stops);
7. `tonemap` — filmic curve, sRGB, film grain from the seed, PNG.

Same prompt + seed + size ⇒ the same bytes in every process; see `tonemap.py` for why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from pydantic import BaseModel, ConfigDict

from prolight.domain.errors import FieldError, InvalidInput, RenderError
from prolight.domain.render.backdrop import intersect_backdrop
from prolight.domain.render.measure import measure_cheeks, report
from prolight.domain.render.raycast import bilinear, cast, min_filter, needed_texels, shadow_map
from prolight.domain.render.relief import Relief, portrait_relief, product_relief
from prolight.domain.render.scene import Scene, build_scene, rotate_y
from prolight.domain.render.shading import (
    LUMA,
    SHARP,
    shade_backdrop,
    shade_subject,
    surface_albedo,
)
from prolight.domain.render.tonemap import encode_png, to_srgb8
from prolight.domain.render.upsample import refine
from prolight.domain.render_report import RenderReport, RenderTimings
from prolight.domain.schema import MAX_RESOLUTION, FiboPrompt, SubjectKind

__all__ = [
    "BACKDROP_SCALE",
    "HALF_RES_LIGHTING",
    "MAX_SIDE",
    "MIN_SIDE",
    "RenderBuffers",
    "RenderReport",
    "RenderResult",
    "RenderTimings",
    "check_size",
    "render",
    "render_with_buffers",
]

F32 = NDArray[np.float32]

MIN_SIDE = 64
"""Smallest width or height in pixels."""

MAX_SIDE = MAX_RESOLUTION
"""Largest width or height in pixels (the schema's `MAX_RESOLUTION`, 4096)."""

BACKDROP_SCALE = 4
"""The backdrop is shaded on a grid this many times coarser than the image, then interpolated."""

HALF_RES_LIGHTING = True
"""Light the subject on a half-resolution grid and interpolate it (`upsample.py`); False shades
every subject sample (the benchmark's reference, and tests comparing the two)."""


class RenderResult(BaseModel):
    """A rendered image (PNG bytes) and its report."""

    model_config = ConfigDict(frozen=True)

    png: bytes
    report: RenderReport


def check_size(width: int, height: int, seed: int) -> None:
    errors = []
    for name, side in (("width", width), ("height", height)):
        if isinstance(side, bool) or not isinstance(side, int):
            raise InvalidInput.single(name, f"{name} is a whole number of pixels; got {side!r}")
        if not MIN_SIDE <= side <= MAX_SIDE:
            errors.append((name, f"{name} is {MIN_SIDE}–{MAX_SIDE} pixels; got {side}"))
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**31 - 1:
        errors.append(("seed", f"seed is a whole number 0–{2**31 - 1}; got {seed!r}"))
    if errors:
        raise InvalidInput([FieldError(f, m) for f, m in errors])


def _shadow_stride(scene: Scene, relief: Relief, width: int) -> int:
    """Shadow-map texels per relief texel: about one and a half output pixels, 2 to 6."""
    pixel_m = 2 * scene.camera.tan_half_fov * float(np.linalg.norm(scene.camera.position)) / width
    return int(min(6, max(2, round(1.5 * pixel_m / relief.step))))


def _upsample(low: F32, height: int, width: int) -> F32:
    """Bilinear resize of an (h', w', c) float image to (height, width, c) (Pillow, in C)."""
    planes = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(low[:, :, k])).resize(
                (width, height), Image.Resampling.BILINEAR
            )
        )
        for k in range(low.shape[2])
    ]
    out: F32 = np.stack(planes, axis=2).astype(np.float32)
    return out


def _hidden(
    index: NDArray[np.intp], sh: int, sw: int, bh: int, bw: int, k: int
) -> NDArray[np.bool_]:
    """Backdrop samples (bh·bw,) behind the subject: every subject sample (`index` into the
    sh×sw grid) of their k×k cell and of the 8 cells around it is covered."""
    covered = np.zeros((bh * k, bw * k), np.float32)
    grid = np.zeros(sh * sw, np.float32)
    grid[index] = 1.0
    covered[: min(sh, bh * k), : min(sw, bw * k)] = grid.reshape(sh, sw)[: bh * k, : bw * k]
    full = covered.reshape(bh, k, bw, k).min(axis=(1, 3))
    hidden: NDArray[np.bool_] = (min_filter(full) > 0.5).ravel()
    return hidden


def _subject_block(scene: Scene, relief: Relief, width: int) -> int:
    """Pixels per subject sample along each axis: 2 when the output's pixels are under half
    the relief's texel (a 1024 px headshot), since the relief holds no finer detail; else 1."""
    pixel_m = 2 * scene.camera.tan_half_fov * float(np.linalg.norm(scene.camera.position)) / width
    return 2 if pixel_m < 0.5 * relief.step else 1


@dataclass(frozen=True)
class RenderBuffers:
    """What a render knows per subject sample, for tests and tools that measure the image.

    `pixel` indexes the flat subject grid (row × columns + column; the image's own pixels
    unless `block` > 1); points and normals are in the subject frame (metres; see `scene.py`);
    `irradiance` is lux from each light by role.
    """

    block: int
    pixel: NDArray[np.intp]
    point: F32
    normal: F32
    material: NDArray[np.uint8]
    back: NDArray[np.bool_]
    diffuse_luminance: F32
    irradiance: dict[str, F32]


def render(prompt: FiboPrompt, seed: int, width: int, height: int) -> RenderResult:
    """Render `prompt`'s scene at `width`×`height` pixels under `seed` (see module doc).

    Raises InvalidInput for a size outside `MIN_SIDE`–`MAX_SIDE` or a bad seed, and RenderError
    for a set it cannot draw (no light reaching it, a camera, light or backdrop inside the
    subject) — never a black image.
    """
    return _render(prompt, seed, width, height, buffers=False)[0]


def render_with_buffers(
    prompt: FiboPrompt, seed: int, width: int, height: int
) -> tuple[RenderResult, RenderBuffers]:
    """`render`, also returning the per-pixel buffers of the subject (see `RenderBuffers`)."""
    result, buffers = _render(prompt, seed, width, height, buffers=True)
    assert buffers is not None
    return result, buffers


def _render(
    prompt: FiboPrompt, seed: int, width: int, height: int, *, buffers: bool
) -> tuple[RenderResult, RenderBuffers | None]:
    check_size(width, height, seed)
    setup = prompt.scene
    clock = time.perf_counter
    t0 = clock()
    scene = build_scene(setup, seed, width, height)
    relief = portrait_relief() if scene.kind == SubjectKind.PORTRAIT else product_relief()
    t1 = clock()

    yaw = scene.subject_yaw_deg
    camera_s = scene.camera.turned(-yaw)  # the camera in the subject's frame
    eye_s = camera_s.position
    block = _subject_block(scene, relief, width)
    subject_rays = camera_s.rays(width, height, block)
    sh, sw = subject_rays.shape[:2]
    # Coarse to fine: cast a quarter grid, refine it to the half grid (where the lighting is
    # computed) and that to the subject's samples.
    half_rays = camera_s.rays(width, height, 2 * block)
    quarter_rays = camera_s.rays(width, height, 4 * block)
    quarter = cast(relief, eye_s, quarter_rays, scene.floor_y)
    half, _ = refine(relief, eye_s, half_rays, quarter, quarter_rays.shape[:2], scene.floor_y)
    hits, links = refine(relief, eye_s, subject_rays, half, half_rays.shape[:2], scene.floor_y)
    weights, corner = links.weights(hits.material, hits.back, half)
    # Full-resolution shading where the half grid cannot serve: sharp highlights (eyes, glass,
    # metal) and hits with no half sample of their own material and layer (outlines, the
    # hairline). A subject made mostly of those (the product) is shaded at full resolution.
    sharp = SHARP[hits.material]
    use_half = HALF_RES_LIGHTING and bool(
        np.count_nonzero(SHARP[half.material]) < 0.5 * len(half.index)
    )
    direct = np.flatnonzero(sharp | (weights.sum(axis=0) < 0.5) | (not use_half))
    t2 = clock()

    stride = _shadow_stride(scene, relief, width)
    lit_points = [hits.point[direct]]
    lit_back = [hits.back[direct]]
    if use_half:
        lit_points.insert(0, half.point)
        lit_back.insert(0, half.back)
    points = np.concatenate(lit_points)
    points_back = np.concatenate(lit_back)
    needed = needed_texels(relief, stride, points, points_back)
    maps = [
        shadow_map(relief, rotate_y(lt.position, -yaw), lt.size_m, stride, needed)
        for lt in scene.lights
        if lt.lights_subject
    ]
    t3 = clock()

    low_rays = scene.camera.rays(width, height, BACKDROP_SCALE)
    bh, bw = low_rays.shape[:2]
    low_rays = low_rays.reshape(-1, 3)
    bp, bn, bhit = intersect_backdrop(
        scene.camera.position, low_rays, scene.backdrop_distance, scene.floor_y, scene.cove_radius
    )
    # Backdrop the subject hides entirely (and whose neighbours, which the interpolation reads,
    # it hides too) is not shaded.
    bhit &= ~_hidden(hits.index, sh, sw, bh, bw, BACKDROP_SCALE // block)
    back_value = np.zeros((len(low_rays), 3), np.float32)
    back_value[bhit] = shade_backdrop(scene, bp[bhit], bn[bhit])
    # What glossy surfaces mirror: the mean of the backdrop the camera sees.
    environment = (back_value[bhit].mean(axis=0) if bhit.any() else np.zeros(3, np.float32)).astype(
        np.float32
    )
    image = _upsample(back_value.reshape(bh, bw, 3), height, width)
    t4 = clock()

    grid_step = relief.step * stride

    def visibility(p: F32, back: NDArray[np.bool_]) -> list[F32]:
        out = []
        for front_map, back_map in maps:
            grid = (front_map.shape, grid_step, relief.x0, relief.y0)
            vf = bilinear(front_map.ravel(), *grid, p[:, 0], p[:, 1])
            vb = bilinear(back_map.ravel(), *grid, p[:, 0], p[:, 1])
            out.append(np.where(back, vb, vf).astype(np.float32))
        return out

    n_hits = len(hits.index)
    value = np.empty((n_hits, 3), np.float32)
    diffuse_luminance = np.empty(n_hits, np.float32)
    # Per-light irradiance at full resolution is only for `RenderBuffers` (tests and tools).
    roles = [lt.role.value for lt in scene.lights if lt.lights_subject] if buffers else []
    irradiance = {role: np.empty(n_hits, np.float32) for role in roles}
    if use_half:
        lit = shade_subject(
            scene,
            half.point,
            half.normal,
            half.material,
            eye_s,
            visibility(half.point, half.back),
            environment,
        )
        # Interpolate the lighting (not the albedo) from the half grid; see `upsample.py`.
        light = np.zeros((n_hits, 6), np.float32)
        for k in range(4):
            light += np.take(lit.light, corner[k], axis=0) * weights[k][:, None]
        albedo = surface_albedo(scene, hits.point, hits.material)
        diffuse = albedo * light[:, :3] * np.float32(1.0 / scene.meter_lux)
        value[:] = diffuse + light[:, 3:]
        diffuse_luminance[:] = (
            diffuse[:, 0] * LUMA[0] + diffuse[:, 1] * LUMA[1] + diffuse[:, 2] * LUMA[2]
        )
        for role in roles:
            up = np.zeros(n_hits, np.float32)
            for k in range(4):
                up += np.take(lit.irradiance[role], corner[k]) * weights[k]
            irradiance[role][:] = up
    if len(direct):
        own = shade_subject(
            scene,
            hits.point[direct],
            hits.normal[direct],
            hits.material[direct],
            eye_s,
            visibility(hits.point[direct], hits.back[direct]),
            environment,
        )
        value[direct] = own.value
        diffuse_luminance[direct] = own.diffuse_luminance
        for role in roles:
            irradiance[role][direct] = own.irradiance[role]
    if block == 1:
        image.reshape(-1, 3)[hits.index] = value
    else:
        # The subject was sampled on a coarser grid: interpolate it up with its coverage, and
        # lay it over the backdrop by that coverage (which also softens the silhouette's steps).
        layer = np.zeros((sh * sw, 4), np.float32)
        layer[hits.index, :3] = value
        layer[hits.index, 3] = 1.0
        up4 = _upsample(layer.reshape(sh, sw, 4), height, width)
        image = up4[:, :, :3] + (1 - up4[:, :, 3:]) * image
    p = hits.point
    reading = measure_cheeks(
        setup, scene, p, hits.normal, hits.material, hits.back, diffuse_luminance
    )
    t5 = clock()

    pixels = to_srgb8(image, seed)
    t6 = clock()
    png = encode_png(pixels)
    t7 = clock()

    if not np.isfinite(image).all():  # a NaN would be a renderer bug: never ship it as black
        raise RenderError("the render produced non-finite values; please report this setup")
    ms = 1000.0
    result = report(
        setup,
        scene,
        pixels,
        reading,
        seed=seed,
        subject_share=len(hits.index) / (sh * sw),
        timings=RenderTimings(
            scene_ms=(t1 - t0) * ms,
            geometry_ms=(t2 - t1) * ms,
            shadows_ms=(t3 - t2) * ms,
            backdrop_ms=(t4 - t3) * ms,
            shading_ms=(t5 - t4) * ms,
            tonemap_ms=(t6 - t5) * ms,
            encode_ms=(t7 - t6) * ms,
            total_ms=(t7 - t0) * ms,
        ),
    )
    if not buffers:
        return RenderResult(png=png, report=result), None
    subject = RenderBuffers(
        block=block,
        pixel=hits.index,
        point=p,
        normal=hits.normal,
        material=hits.material,
        back=hits.back,
        diffuse_luminance=diffuse_luminance,
        irradiance=irradiance,
    )
    return RenderResult(png=png, report=result), subject

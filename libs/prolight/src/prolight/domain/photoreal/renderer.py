"""`render(prompt, seed, width, height)`: the sitter or the bottle, physically lit, in the
quality `prompt.output.quality` asks for.

1. `render.scene.build_scene`: the camera, lights, exposure and backdrop (the mannequin
   renderer's too), and the seed's declared variation (pose, grain);
2. `studio.studio`: the Mitsuba scene. The MakeHuman sitter (`domain.sitter`) or the bottle,
   true area lights of each modifier's shape, the paper sweep, the room's ambient;
3. Mitsuba renders it with the quality's integrator (`QUALITIES`). A one-sample pass of
   `integrator.StudioDirect` with `aovs` writes the normal, point, shape and albedo of every
   pixel, as the picture sees past the lights;
4. final quality only: Intel Open Image Denoise, guided by the albedo and normal;
5. the cheek meter (`render.measure.read_probes`) on the skin (or the label) in the sitter's
   meter zone, then the shared tone curve, grain and PNG encoder (`render.tonemap`) and the
   report (`render.measure.report`).

Same prompt, seed, size and quality give the same bytes on the same machine and variant:
- the sampler is seeded;
- Mitsuba's LLVM kernels compute each pixel independently of thread timing;
- vertex normals are summed in NumPy, not by atomic adds;
- OIDN is deterministic on a given CPU.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from prolight.domain.errors import RenderError
from prolight.domain.photoreal.engine import VARIANT, mi
from prolight.domain.photoreal.integrator import NAME as STUDIO_DIRECT
from prolight.domain.photoreal.integrator import shape_id
from prolight.domain.photoreal.studio import SKIN_SHAPE, studio
from prolight.domain.render.measure import read_probes, report
from prolight.domain.render.relief import Material
from prolight.domain.render.renderer import RenderResult, check_size
from prolight.domain.render.scene import Scene, build_scene, rotate_y
from prolight.domain.render.shading import LUMA
from prolight.domain.render.tonemap import encode_png, to_srgb8
from prolight.domain.render_report import RenderTimings
from prolight.domain.schema import FiboPrompt, LightingSetup, Role, SubjectKind
from prolight.domain.sitter.appearance import Sitter, sitter
from prolight.domain.sitter.body import paint_of

__all__ = [
    "QUALITIES",
    "Buffers",
    "Quality",
    "Surfaces",
    "model_name",
    "render",
    "render_with_buffers",
    "surfaces",
]

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

Quality = Literal["draft", "final"]
"""`Output.quality`."""


@dataclass(frozen=True)
class _Pass:
    integrator: dict[str, Any]
    denoise: str | None  # Open Image Denoise's quality ("fast", "balanced"); None: not denoised


@dataclass(frozen=True)
class _Settings:
    portrait: _Pass  # the sitter
    product: _Pass  # the bottle: glass needs paths that refract
    spp: int

    def for_subject(self, kind: SubjectKind) -> _Pass:
        return self.portrait if kind == SubjectKind.PORTRAIT else self.product


QUALITIES: dict[str, _Settings] = {
    # Direct light only (each light's shadow and falloff exact; no bounce), 2 samples a
    # pixel, each sampling every light once and the BSDF once: the interactive preview and a
    # run's candidates, ~0.3 s at 512×640 so a 4-candidate run stays under 2 s end to end
    # (bench/bench_render.py, bench/bench_e2e.py). The bottle: camera rays through its
    # glass, and one bounce, since the white tabletop sweep a hand's width away lights its
    # shadow side more than the lights do (docs/decisions/photoreal-renderer.md); the bounce
    # is noisy at 2 samples, so it is denoised (OIDN "fast", ~0.26 s at 512×640): a label that
    # shades as paper, which Inspire reads.
    "draft": _Settings(
        _Pass({"type": STUDIO_DIRECT}, None),
        _Pass({"type": STUDIO_DIRECT, "glass": 6, "bounces": 1}, "fast"),
        2,
    ),
    # Path traced (bounce light from the sweep and the body), 16 samples, denoised; `volpath`
    # because it walks through the lights' null surfaces.
    "final": _Settings(
        _Pass({"type": "volpath", "max_depth": 6}, "balanced"),
        _Pass({"type": "volpath", "max_depth": 10}, "balanced"),
        16,
    ),
}


@cache
def _aov_integrator() -> Any:
    """What the meter and the denoiser read per pixel (integrator.AOV_NAMES), from one sample
    at its centre, past the lights as the picture sees past them: a pass of its own (wrapped
    round the lighting integrator, Mitsuba's `aov` doubles its cost)."""
    return mi.load_dict({"type": STUDIO_DIRECT, "aovs": True})


def model_name(quality: Quality) -> str:
    """The renderer, its Mitsuba variant and quality, as the prompt cache's model names it."""
    return f"prolight-photoreal-v1:{VARIANT}:{quality}"


def _denoise(rgb: F32, albedo: F32, normal: F32, quality: str) -> F32:
    import pyoidn  # only the final quality and the bottle's draft need it

    out: F32 = pyoidn.denoise(
        np.ascontiguousarray(rgb),
        np.ascontiguousarray(np.clip(albedo, 0.0, 1.0)),
        np.ascontiguousarray(normal),
        hdr=True,
        quality=quality,
    ).astype(np.float32)
    return out


@dataclass(frozen=True)
class Surfaces:
    """What the camera sees at each pixel (height, width), from one ray through it, past the
    lights as the picture sees past them: the surface point and normal in the subject frame
    (metres; `render/scene.py`), the name of the shape (`""` for none; `skin`, `eyes`,
    `backdrop`; `glass`, `label`, `cap`), and its diffuse albedo (linear RGB)."""

    point: F32
    normal: F32
    shape: NDArray[np.str_]
    albedo: F32
    skin_rgb: tuple[float, float, float]  # the sitter's skin paint

    def material(self) -> NDArray[np.uint8]:
        """What each pixel shows is made of (`render.relief.Material`; `NONE` off the
        subject): the body's paints told apart by their albedo (`sitter.body.paint_of`)."""
        material = np.zeros(self.shape.shape, np.uint8)
        for name, code in _SHAPE_MATERIAL.items():
            material[self.shape == name] = code
        body = self.shape == SKIN_SHAPE
        material[body] = paint_of(self.albedo[body], self.skin_rgb)
        return material


@dataclass(frozen=True)
class Buffers:
    """What a render knows per pixel, for tests and tools that measure it: linear luminance
    after exposure (before the tone curve), and its `Surfaces`."""

    luminance: F32
    surfaces: Surfaces


_SHAPE_MATERIAL = {
    "eyes": Material.EYE,
    "glass": Material.GLASS,
    "label": Material.LABEL,
    "cap": Material.CAP,
}


def _surfaces(mscene: Any, scene: Scene, seed: int, skin_rgb: F64) -> tuple[Surfaces, F32]:
    """The scene's `Surfaces`, and the world-frame normal the denoiser reads, from a
    one-sample pass of `integrator.StudioDirect` with `aovs`."""
    aov = np.array(
        mi.render(mscene, integrator=_aov_integrator(), seed=mi.UInt32(seed), spp=1), np.float32
    )
    normal, position = aov[:, :, 3:6], aov[:, :, 6:9]
    ids = np.rint(aov[:, :, 9]).astype(np.int64)
    albedo = aov[:, :, 10:13]
    known = sorted((shape_id(shape), shape.id()) for shape in mscene.shapes())
    keys = np.array([k for k, _ in known])
    slot = np.clip(np.searchsorted(keys, ids), 0, len(keys) - 1)
    shape = np.where(keys[slot] == ids, np.array([n for _, n in known])[slot], "")
    yaw = scene.subject_yaw_deg
    normal_s = rotate_y(normal.astype(np.float64), -yaw).astype(np.float32)
    normal_s /= np.maximum(np.linalg.norm(normal_s, axis=2, keepdims=True), np.float32(1e-6))
    point_s = rotate_y(position.astype(np.float64), -yaw).astype(np.float32)
    skin = (float(skin_rgb[0]), float(skin_rgb[1]), float(skin_rgb[2]))
    return Surfaces(point_s, normal_s, shape, albedo, skin), normal


def _mitsuba_scene(
    setup: LightingSetup, who: Sitter, scene: Scene, settings: _Settings, width: int, height: int
) -> Any:
    """`studio.studio` for `setup` and its sitter, with the quality's integrator."""
    shapes = {
        role.value: (light.spec.shape, light.spec.beam_deg)
        for role, light in setup.enabled_lights().items()
        if role != Role.AMBIENT
    }
    return studio(
        scene,
        shapes,
        appearance=who.appearance,
        skin_rgb=who.skin_rgb,
        integrator=settings.for_subject(setup.subject.kind).integrator,
        width=width,
        height=height,
        spp=settings.spp,
    )


_ONE_AT_A_TIME = threading.Lock()
"""Mitsuba scenes are built and rendered one at a time per process. Two threads rendering at
once (Inspire's uploads in the gateway's thread pool, a test's concurrent generations) can
call a shape through the other's half-registered table ("Shape::compute_surface_interaction():
not implemented"); one render already takes every core."""


def surfaces(setup: LightingSetup, seed: int, width: int, height: int) -> Surfaces:
    """What the camera of `setup` sees at each pixel, unlit (Inspire's templates): the ray
    pass of `render_with_buffers` alone.

    Raises as `render` does for a bad size or seed, or a set it cannot draw.
    """
    check_size(width, height, seed)
    scene = build_scene(setup, seed, width, height)
    who = sitter(setup.subject)
    with _ONE_AT_A_TIME:
        mscene = _mitsuba_scene(setup, who, scene, QUALITIES["draft"], width, height)
        return _surfaces(mscene, scene, seed, who.skin_rgb)[0]


def render(prompt: FiboPrompt, seed: int, width: int, height: int) -> RenderResult:
    """Render `prompt`'s scene at `width`×`height` pixels under `seed`, in the quality its
    `output.quality` asks for.

    Raises InvalidInput for a size outside `MIN_SIDE`–`MAX_SIDE` or a bad seed, and
    RenderError for a set it cannot draw (no light reaching it, a camera, light or backdrop
    inside the subject) — never a black image.
    """
    return render_with_buffers(prompt, seed, width, height)[0]


def render_with_buffers(
    prompt: FiboPrompt, seed: int, width: int, height: int
) -> tuple[RenderResult, Buffers]:
    """`render`, also returning its per-pixel `Buffers`."""
    check_size(width, height, seed)
    settings = QUALITIES[prompt.output.quality]
    setup = prompt.scene
    clock = time.perf_counter
    t0 = clock()
    scene = build_scene(setup, seed, width, height)
    who = sitter(setup.subject)
    with _ONE_AT_A_TIME:
        mscene = _mitsuba_scene(setup, who, scene, settings, width, height)
        t1 = clock()
        rgb = np.array(mi.render(mscene, seed=mi.UInt32(seed)), dtype=np.float32)[:, :, :3]
        surf, normal = _surfaces(mscene, scene, seed, who.skin_rgb)
    rgb *= np.float32(math.pi / scene.meter_lux)  # the camera's exposure
    denoise = settings.for_subject(setup.subject.kind).denoise
    if denoise is not None:
        rgb = _denoise(rgb, surf.albedo, normal, denoise)
    t3 = clock()
    if not np.isfinite(rgb).all():  # a NaN would be a renderer bug: never ship it as black
        raise RenderError("the render produced non-finite values; please report this setup")

    on_skin = surf.shape == (SKIN_SHAPE if scene.kind == SubjectKind.PORTRAIT else "label")
    luminance = rgb @ np.array(LUMA, np.float32)
    reading = read_probes(
        setup,
        scene,
        surf.normal[on_skin],
        who.meter_zone(surf.point[on_skin]),
        luminance[on_skin],
    )
    t4 = clock()

    pixels = to_srgb8(rgb, seed)
    t5 = clock()
    png = encode_png(pixels)
    t6 = clock()
    on_subject = (surf.shape != "") & (surf.shape != "backdrop")
    ms = 1000.0
    result = report(
        setup,
        scene,
        pixels,
        reading,
        seed=seed,
        subject_share=float(on_subject.mean()),
        timings=RenderTimings(
            scene_ms=(t1 - t0) * ms,
            geometry_ms=0.0,
            shadows_ms=0.0,
            backdrop_ms=0.0,
            shading_ms=(t3 - t1) * ms,
            tonemap_ms=(t5 - t4) * ms,
            encode_ms=(t6 - t5) * ms,
            total_ms=(t6 - t0) * ms,
        ),
    )
    return RenderResult(png=png, report=result), Buffers(luminance, surf)

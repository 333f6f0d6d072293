"""What a photographer would notice: catchlights, shadow penumbrae, outlines, and that the
faster paths (half-resolution lighting, the hand-written PNG) change nothing visible."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

import prolight.domain.render.renderer as renderer
from prolight.domain.presets import PRESETS
from prolight.domain.render.raycast import bilinear, lookup_index, shadow_map
from prolight.domain.render.relief import Material, portrait_relief
from prolight.domain.render.renderer import render_with_buffers
from prolight.domain.render.scene import build_scene, rotate_y
from prolight.domain.render.shading import CORNEA_RADIUS_M, EYE_CENTRE, LUMA, shade_subject
from prolight.domain.render.tonemap import encode_png
from prolight.domain.schema import FiboPrompt, LightingSetup


def _prompt(name: str) -> FiboPrompt:
    return FiboPrompt(scene=PRESETS[name].setup)


def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGB"))


# --- catchlights -------------------------------------------------------------------------


def _catchlight_area_mm2(key_size_m: float) -> tuple[float, float]:
    """Area of the key's catchlight on the camera-right eye (shaded area, geometric estimate)."""
    data = PRESETS["butterfly"].setup.model_dump(mode="json")
    data["lighting"]["key"]["modifier_size"] = key_size_m
    scene = build_scene(LightingSetup.model_validate(data), 0, 512, 640)
    relief = portrait_relief()
    step = 0.0001
    xs = np.arange(EYE_CENTRE[0] - 0.007, EYE_CENTRE[0] + 0.007, step, dtype=np.float32)
    ys = np.arange(EYE_CENTRE[1] - 0.007, EYE_CENTRE[1] + 0.007, step, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    x, y = gx.ravel(), gy.ravel()
    z = relief.front.ravel()[lookup_index(relief, x, y)]
    points = np.stack([x, y, z], axis=1).astype(np.float32)
    normals = np.tile(np.array([0.0, 0.0, 1.0], np.float32), (len(x), 1))
    material = np.full(len(x), Material.EYE, np.uint8)
    lights = [lt for lt in scene.lights if lt.lights_subject]
    eye = scene.camera.turned(-scene.subject_yaw_deg).position
    vis = [np.ones(len(x), np.float32) for _ in lights]
    shaded = shade_subject(scene, points, normals, material, eye, vis, np.zeros(3, np.float32))
    spec = shaded.light[:, 3:] @ LUMA
    area = float(np.count_nonzero(spec > 0.5 * spec.max())) * (step * 1000) ** 2
    # Expected: the cornea's normals within α/2 of the half vector reflect the disc (angular
    # radius α); on a sphere of radius R that is a cap of radius R·sin(α/2), seen foreshortened.
    key = next(lt for lt in scene.lights if lt.role.value == "key")
    pos = rotate_y(key.position, -scene.subject_yaw_deg)
    p0 = np.array([EYE_CENTRE[0], EYE_CENTRE[1], float(z.mean())])
    to_l = pos - p0
    to_v = eye - p0
    alpha = math.atan(key.size_m / 2 / np.linalg.norm(to_l))
    h = to_l / np.linalg.norm(to_l) + to_v / np.linalg.norm(to_v)
    h /= np.linalg.norm(h)
    radius_mm = CORNEA_RADIUS_M * 1000 * math.sin(alpha / 2)
    return area, math.pi * radius_mm**2 * float(h[2])


def test_the_catchlight_is_the_modifier_s_size_on_the_cornea_not_a_lit_eyeball() -> None:
    area, expected = _catchlight_area_mm2(0.55)  # the butterfly's beauty dish
    assert 0.6 < area / expected < 1.6, (area, expected)
    # Small against the iris (radius 6.2 mm): a point, not a blob.
    assert area < 0.1 * math.pi * 6.2**2


def test_a_bigger_source_makes_a_proportionally_bigger_catchlight() -> None:
    small, _ = _catchlight_area_mm2(0.3)
    big, _ = _catchlight_area_mm2(0.9)
    assert 5.0 < big / small < 13.0  # area ∝ size² (9×), within the edge's blur


def test_the_rendered_catchlight_covers_a_few_pixels_of_each_eye() -> None:
    result, b = render_with_buffers(_prompt("butterfly"), 0, 512, 640)
    px = _pixels(result.png).reshape(-1, 3).astype(float)
    eye = b.material == Material.EYE
    lum = px[b.pixel[eye]] @ np.array([0.2126, 0.7152, 0.0722])
    # The catchlights stand out from the iris and the white of the eye ...
    assert lum.max() > 2.5 * np.median(lum)
    # ... and are small: two points of a few pixels, not a lit eyeball.
    bright = lum > 0.9 * lum.max()
    assert 1 <= bright.sum() <= 30
    assert bright.mean() < 0.05


# --- shadow penumbra ---------------------------------------------------------------------


def _reference_visibility(
    relief_points: np.ndarray, normals: np.ndarray, light: np.ndarray, size: float
) -> np.ndarray:
    """Share of a disc light visible from each point: 300 disc samples, hard shadow rays
    marched in 0.8 mm steps through the relief (slow, exact up to the sampling)."""
    relief = portrait_relief()
    rng = np.random.default_rng(0)
    axis = light / np.linalg.norm(light)
    u = np.cross(axis, [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    r = np.sqrt(rng.random(300)) * size / 2
    th = rng.random(300) * 2 * np.pi
    disc = light + (r * np.cos(th))[:, None] * u + (r * np.sin(th))[:, None] * v
    out = []
    for q0 in relief_points + normals * 0.0025:
        d = disc - q0
        length = np.linalg.norm(d, axis=1)
        d /= length[:, None]
        ok = np.ones(len(d), bool)
        for t in np.arange(0.002, 0.45, 0.0008):
            q = (q0 + d * t).astype(np.float32)
            fb = relief.layers[lookup_index(relief, q[:, 0], q[:, 1])]
            ok &= ~((q[:, 2] <= fb.real) & (q[:, 2] >= fb.imag) & (t < length))
        out.append(ok.mean())
    return np.array(out)


def _nose_shadow_profile(size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Key visibility across the butterfly nose shadow (x from -24 to +24 mm at y = -33 mm):
    (x mm, shadow map, reference) for a key of `size` metres."""
    scene = build_scene(PRESETS["butterfly"].setup, 0, 512, 640)
    key = next(lt for lt in scene.lights if lt.role.value == "key")
    light = rotate_y(key.position, -scene.subject_yaw_deg)
    relief = portrait_relief()
    xs = np.arange(-0.024, 0.0241, 0.002)
    ix = np.round((xs - relief.x0) / relief.step).astype(int)
    iy = round((-0.033 - relief.y0) / relief.step)
    px = (relief.x0 + ix * relief.step).astype(np.float32)
    py = np.full(len(xs), relief.y0 + iy * relief.step, np.float32)
    flat = iy * relief.shape[1] + ix
    points = np.stack([px, py, relief.front[iy, ix]], axis=1)
    normals = relief.front_normal[:, flat].T
    front, _ = shadow_map(relief, light, size, 2)
    grid = (front.shape, relief.step * 2, relief.x0, relief.y0)
    estimate = bilinear(front.ravel(), *grid, px, py)
    return xs * 1000, estimate, _reference_visibility(points, normals, light, size)


def _penumbra_mm(xs: np.ndarray, vis: np.ndarray) -> float:
    """Width of the camera-right edge of the shadow: from 10 % to 90 % visible."""
    right = xs > 0
    x, v = xs[right], vis[right]
    return float(np.interp(0.9, v, x) - np.interp(0.1, v, x))


@pytest.mark.parametrize("size", [0.15, 0.55])
def test_the_nose_shadow_s_penumbra_matches_a_sampled_area_light(size: float) -> None:
    xs, estimate, reference = _nose_shadow_profile(size)
    assert np.abs(estimate - reference).mean() < 0.08
    assert abs(_penumbra_mm(xs, estimate) - _penumbra_mm(xs, reference)) < 2.5


def test_a_bigger_source_widens_the_penumbra() -> None:
    xs, small, _ = _nose_shadow_profile(0.15)
    _, big, _ = _nose_shadow_profile(0.55)
    assert _penumbra_mm(xs, big) > 1.4 * _penumbra_mm(xs, small)


# --- outlines ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["broad", "short"])
def test_the_side_of_a_turned_head_has_smooth_normals_and_one_material(name: str) -> None:
    """Where the camera sees the relief's steep wall (the side of a turned head), neighbouring
    pixels' normals must not jump, and no pixel may take the material of an empty texel (the
    dark cloth-coloured streaks that interpolated depths once left along the jaw)."""
    w, h = 256, 320
    _, b = render_with_buffers(_prompt(name), 0, w, h)
    flat_n = np.full((h * w, 3), np.nan, np.float32)
    flat_n[b.pixel] = b.normal
    n = flat_n.reshape(h, w, 3)
    left, right = n[:, :-1], n[:, 1:]
    cos = (left * right).sum(-1)
    steep = (np.abs(left[..., 2]) < 0.5) & (np.abs(right[..., 2]) < 0.5) & np.isfinite(cos)
    assert steep.sum() > 1000
    assert (cos[steep] < math.cos(math.radians(30))).mean() < 0.01
    flat_m = np.full(h * w, 255, np.uint8)
    flat_m[b.pixel] = b.material
    mat = flat_m.reshape(h, w)
    # No sample of the subject may carry the relief's default of an empty texel.
    face_rows = slice(int(h * 0.15), int(h * 0.45))
    assert not (mat[face_rows] == Material.CLOTH).any()


# --- the fast paths change nothing visible -----------------------------------------------


@pytest.mark.parametrize("name", ["rembrandt", "broad", "rim_lit_dramatic_fashion"])
def test_half_resolution_lighting_matches_full_resolution_shading(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, fb = render_with_buffers(_prompt(name), 0, 512, 640)
    monkeypatch.setattr(renderer, "HALF_RES_LIGHTING", False)
    full, _ = render_with_buffers(_prompt(name), 0, 512, 640)
    a = _pixels(fast.png).reshape(-1, 3).astype(float)[fb.pixel]
    b = _pixels(full.png).reshape(-1, 3).astype(float)[fb.pixel]
    diff = np.abs(a - b)
    assert diff.mean() < 1.0  # in 8-bit levels, over the subject's pixels
    assert np.percentile(diff, 99) < 16
    f, s = fast.report.measured_ratio_stops, full.report.measured_ratio_stops
    assert f is not None
    assert s is not None
    assert abs(f - s) < 0.1


def test_the_png_writer_round_trips_exactly() -> None:
    rng = np.random.default_rng(5)
    for shape in ((1, 1, 3), (7, 13, 3), (64, 80, 3)):
        px = rng.integers(0, 256, shape, dtype=np.uint8)
        png = encode_png(px)
        with Image.open(io.BytesIO(png)) as im:
            assert im.format == "PNG"
            assert im.mode == "RGB"
            assert (np.asarray(im) == px).all()
        assert encode_png(px) == png

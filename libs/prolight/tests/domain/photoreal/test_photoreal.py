"""The photoreal renderer: determinism, the seed, the face meter against the analysis, the
patterns a photographer looks for, catchlights, the product, bad input."""

from __future__ import annotations

import hashlib
import io
import math
import subprocess
import sys
from functools import cache

import numpy as np
import pytest
from PIL import Image

from prolight.domain.photoreal import Buffers, render, render_with_buffers
from prolight.domain.presets import PRESETS
from prolight.domain.schema import FiboPrompt, LightingSetup, Role
from prolight.domain.sitter.body import human
from prolight_testing.landmarks import cheek_profile

W, H = 128, 160
RATIO_TOLERANCE_STOPS = 0.3
PORTRAITS = [name for name, p in PRESETS.items() if p.setup.subject.kind == "portrait"]


def _prompt(name: str, quality: str = "draft", setup: LightingSetup | None = None) -> FiboPrompt:
    return FiboPrompt(
        scene=setup or PRESETS[name].setup, output={"quality": quality, "aspect_ratio": "4:5"}
    )


def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGB"))


_CHILD = """
import hashlib, sys
from prolight.domain.photoreal import render
from prolight.domain.presets import PRESETS
from prolight.domain.schema import FiboPrompt
for quality in ("draft", "final"):
    prompt = FiboPrompt(scene=PRESETS["rembrandt"].setup, output={"quality": quality})
    print(hashlib.sha256(render(prompt, 7, 128, 160).png).hexdigest())
"""


def test_same_prompt_seed_and_quality_give_the_same_bytes_in_two_processes() -> None:
    here = [
        hashlib.sha256(render(_prompt("rembrandt", q), 7, W, H).png).hexdigest()
        for q in ("draft", "final")
    ]
    child = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=300, check=True
    )
    assert child.stdout.split() == here
    assert here[0] != here[1]  # the two qualities are two pictures


def test_png_is_a_valid_image_of_the_asked_size() -> None:
    result = render(_prompt("loop"), 0, W, H)
    assert _pixels(result.png).shape == (H, W, 3)
    assert (result.report.width, result.report.height) == (W, H)


def test_a_different_seed_gives_a_different_image_with_the_same_light() -> None:
    a = render(_prompt("loop"), 1, 256, 320)
    b = render(_prompt("loop"), 2, 256, 320)
    assert a.png != b.png
    # Declared variation only (sampling noise, grain, a slight pose), not the lighting.
    diff = np.abs(_pixels(a.png).astype(int) - _pixels(b.png).astype(int))
    assert diff.mean() < 8
    assert a.report.measured_ratio_stops == pytest.approx(b.report.measured_ratio_stops, abs=0.15)


@pytest.mark.parametrize("quality", ["draft", "final"])
@pytest.mark.parametrize("name", PORTRAITS)
def test_measured_face_ratio_agrees_with_the_analysis(name: str, quality: str) -> None:
    report = render(_prompt(name, quality), 0, 512, 640).report
    predicted, measured = report.predicted_ratio_stops, report.measured_ratio_stops
    if predicted is None:
        # Nothing reaches the shadow cheek in the analysis; the path tracer's bounce light
        # may, faintly.
        assert measured is None or measured > 4
        return
    assert measured is not None, "the face meter found no cheek pixels"
    assert abs(measured - predicted) <= RATIO_TOLERANCE_STOPS, (measured, predicted)


def _product(azimuth: float, fill: float, colour: str = "white") -> LightingSetup:
    """The product preset with its key moved round, its fill's power and its sweep's colour
    changed."""
    data = PRESETS["product_tabletop"].setup.model_dump(mode="json")
    data["lighting"]["key"]["direction"]["azimuth"] = azimuth
    data["lighting"]["fill"]["intensity"] = fill
    data["background"]["color"] = colour
    return LightingSetup.model_validate(data)


@pytest.mark.parametrize(
    ("setup", "quality", "size"),
    [
        pytest.param(PRESETS["product_tabletop"].setup, "draft", (512, 640), id="preset-draft"),
        pytest.param(PRESETS["product_tabletop"].setup, "final", (512, 640), id="preset-final"),
        pytest.param(_product(-30.0, 0.3), "draft", (256, 320), id="key-nearer-the-camera"),
        pytest.param(_product(45.0, 0.1), "draft", (256, 320), id="key-camera-right-less-fill"),
        pytest.param(_product(-75.0, 0.6), "final", (256, 320), id="key-from-the-side-more-fill"),
        pytest.param(_product(-60.0, 0.3, "grey"), "draft", (256, 320), id="grey-sweep"),
    ],
)
def test_the_bottles_label_ratio_agrees_with_the_analysis(
    setup: LightingSetup, quality: str, size: tuple[int, int]
) -> None:
    # Most of the light on the label's shadow side comes off the white tabletop sweep, which
    # the analysis counts (physics/face.py); the strips are the renderer's rectangles.
    report = render(_prompt("product_tabletop", quality, setup), 0, *size).report
    predicted, measured = report.predicted_ratio_stops, report.measured_ratio_stops
    assert predicted is not None
    assert measured is not None, "the meter found no label pixels"
    assert abs(measured - predicted) <= RATIO_TOLERANCE_STOPS, (measured, predicted)


# Landmarks: read off a render of the key light alone (the pattern is the key's), in the
# subject frame. The sitter's nose tip is `_NOSE` (x = 0).


@cache
def _nose() -> np.ndarray:
    v = human().body.positions
    mid = (np.abs(v[:, 0]) < 0.004) & (v[:, 1] < 0.01) & (v[:, 1] > -0.08)
    tip: np.ndarray = v[mid][np.argmax(v[mid][:, 2])]
    return tip


def _key_only(name: str) -> LightingSetup:
    setup = PRESETS[name].setup
    lighting = {
        role: light if role == Role.KEY else light.model_copy(update={"enabled": False})
        for role, light in setup.lighting.items()
    }
    return setup.model_copy(update={"lighting": lighting})


@cache
def _key_buffers(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Skin pixels' x, y (subject frame, metres) and key light, and the lit cheek's key."""
    _, b = render_with_buffers(_prompt(name, setup=_key_only(name)), 0, 384, 480)
    skin = (b.surfaces.shape == "skin") & (b.surfaces.point[..., 2] > _nose()[2] - 0.06)
    x, y, key = b.surfaces.point[skin, 0], b.surfaces.point[skin, 1], b.luminance[skin]
    lit = float(np.percentile(key[np.abs(y - _nose()[1]) < 0.03], 95))
    return x, y, key, lit


def _nose_shadow_centroid_mm(name: str) -> float:
    x, y, key, lit = _key_buffers(name)
    ty = _nose()[1]
    under = (y > ty - 0.03) & (y < ty - 0.008) & (np.abs(x) < 0.03) & (key < 0.4 * lit)
    assert under.sum() > 20, "no nose shadow below the nose"
    return float(x[under].mean() * 1000)


def test_butterfly_puts_the_nose_shadow_straight_under_the_nose() -> None:
    assert abs(_nose_shadow_centroid_mm("butterfly")) < 3.0


def test_loop_throws_the_nose_shadow_to_the_side_away_from_the_key() -> None:
    # The loop key is camera-right (+35°): the shadow falls camera-left of the nose.
    assert -14.0 < _nose_shadow_centroid_mm("loop") < -3.0


def _cheek_profile(name: str, y_lo: float, y_hi: float) -> list[float]:
    """Median key light (share of the lit cheek's) in 10 mm columns from x = -65 to +65 mm."""
    return cheek_profile(*_key_buffers(name), y_lo, y_hi)


def test_rembrandt_leaves_a_lit_triangle_on_the_shadow_cheek() -> None:
    # Key camera-right: across the shadow (camera-left) cheek just below the eye the key light
    # goes dark (cheek turning away) → lit (the triangle) → dark (the nose's shadow).
    ty = _nose()[1]
    prof = _cheek_profile("rembrandt", ty, ty + 0.015)
    outer, triangle, nose = prof[1], max(prof[2], prof[3]), prof[5]
    assert triangle > 0.2
    assert triangle > 1.5 * outer
    assert triangle > 1.5 * nose


def test_split_lights_exactly_one_half_of_the_face() -> None:
    x, y, key, lit = _key_buffers("split")
    face = (y > _nose()[1] - 0.06) & (y < _nose()[1] + 0.07)
    lit_side = face & (x > 0.012)
    dark_side = face & (x < -0.012)
    assert (key[lit_side] > 0.2 * lit).mean() > 0.85
    assert (key[dark_side] > 0.05 * lit).mean() < 0.05


@pytest.mark.parametrize(("name", "lit_toward_camera"), [("broad", True), ("short", False)])
def test_broad_and_short_light_the_cheek_the_name_says(name: str, lit_toward_camera: bool) -> None:
    # Both turn the head towards camera-left: the camera sees more of the face's camera-right
    # (+x in the subject frame, the cheek turned towards it). Broad lights that one.
    setup = PRESETS[name].setup
    assert setup.subject.head_turn_deg < 0
    x, y, key, _ = _key_buffers(name)
    cheeks = (y > _nose()[1] - 0.04) & (y < _nose()[1] + 0.02) & (np.abs(x) > 0.025)
    toward, away = cheeks & (x > 0), cheeks & (x < 0)
    assert toward.sum() > away.sum()  # the broad side is the one the camera sees more of
    brighter_toward = np.median(key[toward]) > np.median(key[away])
    assert brighter_toward == lit_toward_camera


def _catchlight(b: Buffers, centre: np.ndarray) -> np.ndarray | None:
    """The brightest point of the iris's cornea (x, y offset from the eye's axis, metres)."""
    d = b.surfaces.point - centre
    r = np.linalg.norm(d, axis=-1)
    iris = (b.surfaces.shape == "eyes") & (d[..., 2] > np.cos(np.radians(27)) * r)
    if iris.sum() < 5:
        return None
    k = np.argmax(np.where(iris, b.luminance, -1.0))
    i, j = np.unravel_index(k, b.luminance.shape)
    if b.luminance[i, j] < 4 * np.median(b.luminance[iris]):
        return None
    offset: np.ndarray = d[i, j, :2]
    return offset


@pytest.mark.parametrize("name", ["butterfly", "loop", "rembrandt", "clamshell"])
def test_catchlights_sit_where_the_key_is(name: str) -> None:
    # A key up to 60° high and 75° to the side (the analysis's catchlight rule) shows in both
    # eyes, on the clock position of its direction: 12 o'clock for a key above the camera,
    # towards 1–2 o'clock for one camera-right.
    key = PRESETS[name].setup.lighting[Role.KEY].direction
    kx, ky = math.sin(math.radians(key.azimuth)), math.sin(math.radians(key.elevation))
    _, b = render_with_buffers(_prompt(name, "final"), 0, 768, 960)
    for centre in human().eye_centres:
        spot = _catchlight(b, centre)
        assert spot is not None, "no catchlight in the iris"
        angle = math.degrees(
            math.acos(np.dot(spot, (kx, ky)) / np.linalg.norm(spot) / math.hypot(kx, ky))
        )
        assert angle < 40, (spot, key)


def test_product_renders_glass_a_label_and_a_metal_cap() -> None:
    result, b = render_with_buffers(_prompt("product_tabletop"), 0, 256, 320)
    assert result.report.subject == "product"
    assert result.report.measured_ratio_stops is not None
    assert {"glass", "label", "cap"} <= set(np.unique(b.surfaces.shape))
    # Glass shows the sweep and the lights through it (not the black of a surface with no
    # light). The mean: in the draft, rays caught in the solid glass's internal reflections
    # for more than `glass` walls end dark, about half its pixels.
    assert np.mean(b.luminance[b.surfaces.shape == "glass"]) > 0.2 * np.median(
        b.luminance[b.surfaces.shape == "backdrop"]
    )


def test_report_carries_exposure_statistics_and_timings() -> None:
    report = render(_prompt("low_key"), 0, W, H).report
    assert report.crushed_shadows_pct > 30  # an unlit black backdrop
    assert report.timings.total_ms > 0
    assert report.subject_pixels_pct > 10

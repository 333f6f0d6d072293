"""The 3D preview is lit and exposed as the renderer lights and exposes the set.

From the camera's view the preview's canvas is read at the face meter's two cheek probes
(physics/face.py; the page says where they fall: `preview.probes()`, the sitter's skin vertices
whose normals are within 12° of each probe's), its pixels taken back through the sRGB encoding,
three.js's ACES curve and the mid-grey scale (web/src/exposure.ts) to scene values — albedo ×
lux / the metered lux, the renderer's units — and fitted at the probe's own normal as
render/measure.py does. Then:

- every light is lit with the lux the analysis meters for it, and the exposure is the meter's;
- the brighter cheek is on the key's side, and changes sides with the key;
- one stop more key brightens the lit cheek by the stop the analysis's face model gives, the
  exposure stays put, and one stop less aperture takes exactly that stop back;
- the lit cheek is as bright as the analysis's lux on it and the sitter's skin make it;
- the lit/shadow ratio is the analysis's face contrast (what the camera records), two presets.
"""

from __future__ import annotations

import base64
import io
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from prolight.domain.physics.face import face_light
from prolight.domain.physics.photometry import INCIDENT_METER_C
from prolight.domain.schema import load_setup
from prolight.domain.sitter import sitter

expect = pytest.importorskip(
    "playwright.sync_api", reason="Python's playwright is not installed (make setup installs it)"
).expect

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROBE_TOLERANCE_RAD = math.radians(12.0)  # cheekProbes.PROBE_TOLERANCE_DEG
MIN_PROBE_POINTS = 12
CLIP_CODE = 250  # an 8-bit code this high may be on the curve's shoulder: not invertible
RATIO_TOLERANCE_STOPS = 0.75
"""The brief's bound for preview against analysis; measured: within 0.1 stop on both presets."""
STOP_TOLERANCE_STOPS = 0.1
"""One stop more key: every light's lux is linear in its intensity and the exposure does not
move, so the lit cheek must change by the model's stop (0.99 for Rembrandt) but for 8-bit
rounding (one code ≈ 0.01 stop where the lit cheek sits) and the fit's jitter."""
ALBEDO_TOLERANCE_STOPS = 0.35
"""Lit cheek against skin albedo × lux / meter: the preview keeps the skin's sheen, which the
renderer's face meter leaves out, and the cheek's texture is not the skin's mean colour."""

# three.js's ACESFilmicToneMapping (tonemapping_pars_fragment): input and output matrices
# (row-major here) and Stephen Hill's RRT+ODT fit, applied after `exposure / 0.6`.
_ACES_IN = np.array(
    [[0.59719, 0.35458, 0.04823], [0.07600, 0.90834, 0.01566], [0.02840, 0.13383, 0.83777]]
)
_ACES_OUT = np.array(
    [[1.60475, -0.53108, -0.07367], [-0.10208, 1.10813, -0.00605], [-0.00327, -0.07276, 1.07602]]
)
_HILL = (0.0245786, 0.000090537, 0.983729, 0.4329510, 0.238081)
_LUMA = np.array([0.2126, 0.7152, 0.0722])


def _hill(v: float) -> float:
    a, b, c, d, e = _HILL
    return (v * (v + a) - b) / (v * (c * v + d) + e)


def _mid_grey_scale() -> float:
    lo, hi = 0.1, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _hill(mid * 0.18) < 0.18 else (lo, mid)
    return (lo + hi) / 2


MID_GREY_SCALE = _mid_grey_scale()


def _inverse_hill(y: NDArray[np.float64]) -> NDArray[np.float64]:
    # y·(c v² + d v + e) = v² + a v − b, solved for the root the curve takes.
    a, b, c, d, e = _HILL
    qa, qb, qc = y * c - 1, y * d - a, y * e + b
    return np.asarray((-qb - np.sqrt(np.maximum(qb * qb - 4 * qa * qc, 0))) / (2 * qa))


def scene_luminance(codes: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Scene values (albedo × lux / metered lux) of 8-bit sRGB pixels (n, 3) from the preview:
    the display encoding, ACES and the mid-grey scale undone; luminance, Rec.709."""
    s = codes.astype(np.float64) / 255
    display = np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)
    ap1 = _inverse_hill(np.clip(display @ np.linalg.inv(_ACES_OUT).T, 0.0, 0.999))
    linear = ap1 @ np.linalg.inv(_ACES_IN).T / MID_GREY_SCALE
    return np.asarray(linear @ _LUMA)


def tone_mapping_exposure(meter_lux: float) -> float:
    """The exposure web/src/exposure.ts must set for a camera metered for `meter_lux`."""
    return 0.6 * MID_GREY_SCALE * math.pi / meter_lux


@dataclass(frozen=True)
class Cheek:
    value: float  # scene value at the probe's normal
    points: int
    brightest_code: int


def _read_probe(pixels: NDArray[np.uint8], points: list[list[float]]) -> Cheek:
    """The cheek's scene value at exactly the probe's normal: a weighted linear fit of value
    against the normal's two tangent components, read at zero (render/measure._probe_value)."""
    assert len(points) >= MIN_PROBE_POINTS, f"only {len(points)} probe points on the cheek"
    pts = np.array(points)
    h, w, _ = pixels.shape
    xs = np.clip(pts[:, 0].astype(int), 0, w - 1)
    ys = np.clip(pts[:, 1].astype(int), 0, h - 1)
    codes = pixels[ys, xs]
    values = scene_luminance(codes)
    t1, t2 = pts[:, 2], pts[:, 3]
    weight = np.sqrt(np.clip(1 - (t1 * t1 + t2 * t2) / PROBE_TOLERANCE_RAD**2, 0.05, 1.0))
    design = np.stack([np.ones_like(t1), t1, t2], axis=1) * weight[:, None]
    coef = np.linalg.lstsq(design, values * weight, rcond=1e-6)[0]
    value = float(np.clip(coef[0], values.min(), values.max()))
    return Cheek(value, len(pts), int(codes.max()))


@dataclass(frozen=True)
class Reading:
    right: Cheek  # the face's camera-right cheek
    left: Cheek
    exposure: float

    @property
    def right_over_left_stops(self) -> float:
        return math.log2(self.right.value / self.left.value)


def _settle(page: Any) -> None:
    """Wait for the sitter and for the preview to stop drawing (a change draws one frame)."""
    description = page.evaluate("window.prolight.store.setup.subject.description")
    page.wait_for_function(
        "d => window.prolight.preview.sitterShown === d", arg=description, timeout=60_000
    )
    page.evaluate(
        """async () => {
          const p = window.prolight.preview;
          let seen = -1;
          while (seen !== p.frames) {
            seen = p.frames;
            await new Promise((r) => setTimeout(r, 300));
          }
        }"""
    )


def _read(page: Any) -> Reading:
    _settle(page)
    probes = page.evaluate("window.prolight.preview.probes()")
    assert probes is not None, "the renderer's sitter is not on the set"
    url = page.evaluate("document.querySelector('#preview canvas').toDataURL('image/png')")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as im:
        pixels = np.asarray(im.convert("RGB"))
    right, left = _read_probe(pixels, probes["right"]), _read_probe(pixels, probes["left"])
    for cheek in (right, left):
        assert cheek.brightest_code < CLIP_CODE, f"a cheek is clipped: {cheek}"
    return Reading(right, left, page.evaluate("window.prolight.preview.exposure"))


def _apply_preset(page: Any, name: str, title: str) -> None:
    """Apply a preset and wait for the page to have it: a new setup, analysed."""
    page.evaluate("window.setupBefore = window.prolight.store.setup")
    page.select_option("#preset", name)
    page.click("#apply-preset")
    page.wait_for_function("() => window.prolight.store.setup !== window.setupBefore")
    expect(page.locator("#pattern-name")).to_have_text(title)


def _camera_view(page: Any, name: str, title: str) -> None:
    _apply_preset(page, name, title)
    page.click("#view-camera")


def _analysis(page: Any) -> dict[str, Any]:
    """The analysis the page shows for its current setup (POST /api/analyze/lighting): the
    panel marks itself "updating" the moment the setup changes, and clears it on the answer."""
    expect(page.locator("#analysis-state")).to_have_text("")
    latest: dict[str, Any] = page.evaluate("window.prolight.analysis.latest")
    return latest


def _setup(page: Any) -> Any:
    return load_setup(page.evaluate("window.prolight.snapshot()"))


def _meter_lux(setup: Any) -> float:
    cam = setup.camera
    return float(INCIDENT_METER_C * cam.aperture**2 / (cam.iso * cam.shutter_s))


def _set(page: Any, field: str, value: float) -> None:
    """Type `value` into the control of `field` ("lighting.key.intensity"), as a person would."""
    page.fill(f"#f-{field.replace('.', '-')}", f"{value:g}")


def test_every_light_is_lit_with_the_lux_the_analysis_meters(studio: Any) -> None:
    """Each preset's lights (softbox, octabox, strips, umbrella, dish, reflector, grid, bare
    background), light by light; and the exposure is the camera meter's."""
    for name, title in [
        ("rembrandt", "Rembrandt"),
        ("loop", "Loop"),
        ("rim_lit_dramatic_fashion", "Rim-lit dramatic fashion"),
        ("high_key", "High-key"),
        ("low_key", "Low-key"),
    ]:
        _apply_preset(studio, name, title)
        analysis = _analysis(studio)
        _settle(studio)
        lux = studio.evaluate("window.prolight.preview.lux")
        metered = {role: reading["lux"] for role, reading in analysis["meter"].items()}
        assert lux.keys() == metered.keys(), name
        for role, value in metered.items():
            assert lux[role] == pytest.approx(value, rel=1e-9), (name, role)
        want = tone_mapping_exposure(_meter_lux(_setup(studio)))
        assert studio.evaluate("window.prolight.preview.exposure") == pytest.approx(want, rel=1e-6)


def test_the_lit_cheek_is_on_the_keys_side_and_follows_it(studio: Any, shot: Any) -> None:
    _camera_view(studio, "rembrandt", "Rembrandt")  # key 50° camera-right
    before = _read(studio)
    assert before.right_over_left_stops > 1.0, before
    _set(studio, "lighting.key.direction.azimuth", -50)  # the mirror image: camera-left
    expect(studio.locator("#f-lighting-key-direction-azimuth")).to_have_value("-50")
    after = _read(studio)
    shot(studio, "12-preview-key-mirrored")
    assert after.right_over_left_stops < -1.0, after


def test_one_stop_more_key_is_one_stop_on_the_lit_cheek_at_the_same_exposure(
    studio: Any, shot: Any
) -> None:
    _camera_view(studio, "rembrandt", "Rembrandt")
    setup = _setup(studio)
    base = _read(studio)
    key = setup.lighting["key"]
    assert base.exposure == pytest.approx(tone_mapping_exposure(_meter_lux(setup)), rel=1e-6)

    _set(studio, "lighting.key.intensity", 2 * key.intensity)
    brighter = _read(studio)
    shot(studio, "13-preview-key-one-stop-up")
    assert brighter.exposure == base.exposure  # the camera's settings did not change
    model = face_light(setup)
    model2 = face_light(_setup(studio))
    want_lit = math.log2(sum(model2.lit_cheek.values()) / sum(model.lit_cheek.values()))
    want_shadow = math.log2(sum(model2.shadow_cheek.values()) / sum(model.shadow_cheek.values()))
    got_lit = math.log2(brighter.right.value / base.right.value)
    got_shadow = math.log2(brighter.left.value / base.left.value)
    assert abs(got_lit - want_lit) <= STOP_TOLERANCE_STOPS, (got_lit, want_lit)
    # The shadow cheek sees only the key's spill: it brightens, by less (the model: 0.43 stop).
    assert got_shadow < got_lit - 0.3, (got_shadow, got_lit, want_shadow)

    # One stop less aperture takes the stop back: the exposure follows the camera's meter.
    _set(studio, "camera.aperture", setup.camera.aperture * math.sqrt(2))
    closed = _read(studio)
    assert closed.exposure == pytest.approx(base.exposure / 2, rel=1e-3)
    assert abs(math.log2(closed.right.value / base.right.value)) <= STOP_TOLERANCE_STOPS


@pytest.mark.parametrize(
    ("name", "title"), [("rembrandt", "Rembrandt"), ("loop", "Loop")], ids=["rembrandt", "loop"]
)
def test_the_preview_shows_the_analysis_lighting_ratio(
    studio: Any, shot: Any, name: str, title: str
) -> None:
    _camera_view(studio, name, title)
    analysis = _analysis(studio)
    reading = _read(studio)
    shot(studio, f"14-preview-ratio-{name}")
    setup = _setup(studio)
    face = face_light(setup)
    lit, shadow = (
        (reading.right, reading.left) if face.lit_side > 0 else (reading.left, reading.right)
    )
    stops = math.log2(lit.value / shadow.value)
    predicted = analysis["ratios"]["face_contrast"]["stops"]
    key_fill = analysis["ratios"]["key_fill"]["stops"]
    text = studio.locator("#analysis").inner_text()
    shown = re.search(r"face contrast (-?\d+(?:\.\d+)?) stops", text)  # the page's own words
    assert shown, text
    assert float(shown.group(1)) == pytest.approx(predicted, abs=0.051)
    assert abs(stops - predicted) <= RATIO_TOLERANCE_STOPS, (stops, predicted, key_fill)

    # And as bright as the render: skin albedo × the analysis's lux on the lit cheek / the meter.
    skin = float(np.dot(sitter(setup.subject).skin_rgb, _LUMA))
    want = skin * sum(face.lit_cheek.values()) / _meter_lux(setup)
    assert abs(math.log2(lit.value / want)) <= ALBEDO_TOLERANCE_STOPS, (lit.value, want)

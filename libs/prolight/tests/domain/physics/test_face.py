"""The light model of the face meter: emitters of the modifier's real shape, and the sweep's
bounce onto a product, against cases with a known answer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prolight.domain.physics.emitter import outline
from prolight.domain.physics.face import (
    LABEL_PROBE_Y,
    LABEL_RADIUS_M,
    PRODUCT_FLOOR_Y,
    Sweep,
    bounce_lux,
    face_light,
    probe_lux,
    sweep_of,
)
from prolight.domain.physics.photometry import on_axis_lux
from prolight.domain.presets import PRESETS
from prolight.domain.render.relief import LABEL_BOTTOM_Y, LABEL_TOP_Y, PRODUCT_BASE_Y, bottle_radius
from prolight.domain.schema import Direction, Light, Role


def _light(modifier: str, distance: float = 1.0, azimuth: float = 0.0, **more: object) -> Light:
    return Light.model_validate(
        {
            "role": Role.KEY,
            "intensity": 1.0,
            "distance": distance,
            "direction": Direction(azimuth=azimuth, elevation=0.0),
            "modifier": modifier,
            **more,
        }
    )


def _turned(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    return np.array([math.cos(el) * math.sin(az), math.sin(el), math.cos(el) * math.cos(az)])


def _lambert_polygon(corners: np.ndarray, normal: np.ndarray) -> float:
    """Irradiance / radiance at the origin from a Lambertian polygon wholly above the
    patch's horizon: Lambert's contour formula, ½ Σ γᵢ n·(Rᵢ × Rᵢ₊₁)/|Rᵢ × Rᵢ₊₁|."""
    total = 0.0
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        cross = np.cross(a, b)
        gamma = math.acos(float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)))
        total += gamma * float(normal @ cross) / float(np.linalg.norm(cross))
    return abs(total) / 2


def _corners_on_the_camera_axis(modifier: str, distance: float) -> np.ndarray:
    """The corners of a rectangular light on the camera axis (x right, y up, z to camera)."""
    face = outline(_light(modifier).spec.shape, _light(modifier).size_m)
    w, h = face.half_w, face.half_h
    return np.array([[-w, -h, distance], [w, -h, distance], [w, h, distance], [-w, h, distance]])


@pytest.mark.parametrize("modifier", ["softbox", "stripbox"])
@pytest.mark.parametrize(
    ("azimuth", "elevation"),
    [(0, 0), (40, 0), (0, 40), (60, 0), (0, 55), (35, 35)],
)
def test_a_rectangle_lights_a_tilted_patch_as_lamberts_formula_says(
    modifier: str, azimuth: float, elevation: float
) -> None:
    light = _light(modifier, distance=0.8)
    corners = _corners_on_the_camera_axis(modifier, 0.8)
    normal = _turned(azimuth, elevation)
    want = _lambert_polygon(corners, normal) / _lambert_polygon(corners, np.array([0, 0, 1.0]))
    got = probe_lux(light, normal) / on_axis_lux(light)
    assert got == pytest.approx(want, rel=0.01)


def test_a_strip_stood_on_end_reaches_round_a_cylinder_less_than_an_octabox_as_tall() -> None:
    # A patch turned 100° away round the vertical has the light's centre behind its horizon:
    # a 30 cm wide strip 1 m away cannot reach it, a disc as wide as the strip is tall does;
    # turned 100° up or down, the 120 cm tall strip reaches it too.
    strip, octa = _light("stripbox", 1.0), _light("octabox", 1.0)
    round_the_side, over_the_top = _turned(100, 0), _turned(0, 100)
    assert probe_lux(strip, round_the_side) == 0.0
    assert probe_lux(octa, round_the_side) > 0.005 * on_axis_lux(octa)
    assert probe_lux(strip, over_the_top) > 0.005 * on_axis_lux(strip)


def test_outlines_are_the_modifiers_real_sizes() -> None:
    strip = outline("strip", 1.2)
    assert (2 * strip.half_w, 2 * strip.half_h) == pytest.approx((0.3, 1.2))  # "30×120 cm"
    assert outline("rect", 0.9).half_w == outline("rect", 0.9).half_h == pytest.approx(0.45)
    octa = outline("octagon", 1.2)  # a disc of the area of the octagon 1.2 m corner to corner
    corner = 1.2 / 2
    assert math.pi * octa.half_w**2 == pytest.approx(4 * corner**2 * math.sin(math.pi / 4))
    dish = outline("dish", 0.55)
    assert (dish.kind, dish.half_h / dish.half_w) == ("ring", pytest.approx(0.3))


def test_a_spot_lights_within_its_beam_only() -> None:
    grid = _light("grid", 1.0)  # 30° beam, full to 10.5° off its axis, none past 19.5°
    assert probe_lux(grid, np.array([0.0, 0.0, 1.0])) == pytest.approx(on_axis_lux(grid))
    assert probe_lux(grid, np.array([0.0, 0.0, 1.0]), at=np.array([0.0, 0.6, 0.0])) == 0.0


@pytest.mark.parametrize(
    ("normal", "seen"),
    [
        pytest.param((1.0, 0.0, 0.0), 0.5, id="upright-sees-half-the-floor"),
        pytest.param((0.0, -1.0, 0.0), 1.0, id="facing-down-sees-only-floor"),
        pytest.param((0.0, 1.0, 0.0), 0.0, id="facing-up-sees-none"),
    ],
)
def test_the_bounce_off_a_plane_of_known_albedo_and_lux(
    normal: tuple[float, float, float], seen: float
) -> None:
    # A softbox 30 m overhead lights the floor evenly for metres round a patch 10 cm above it:
    # the floor's radiance is ρE/π, and a patch gets ρE × its view factor of the floor.
    light = Light.model_validate(
        {"role": "fill", "intensity": 1.0, "distance": 30.0, "modifier": "softbox",
         "direction": {"azimuth": 0.0, "elevation": 90.0}}
    )  # fmt: skip
    floor_lux = on_axis_lux(light) * (30.0 / 30.1) ** 2
    sweep = Sweep(floor_y=-0.1, wall_z=-1000.0, albedo=0.8)  # the wall too far to count
    got = bounce_lux(light, np.array(normal), np.zeros(3), sweep)
    assert got == pytest.approx(0.8 * floor_lux * seen, rel=0.03, abs=1e-6 * floor_lux)


def test_the_bounce_scales_with_the_sweeps_albedo_and_spares_portraits() -> None:
    setup = PRESETS["product_tabletop"].setup
    sweep = sweep_of(setup)
    assert sweep is not None
    key = setup.lighting[Role.KEY]
    n, at = np.array([0.6, 0.0, 0.8]), np.array([0.0, -0.04, 0.0])
    darker = Sweep(sweep.floor_y, sweep.wall_z, sweep.albedo / 2)
    assert bounce_lux(key, n, at, darker) == pytest.approx(bounce_lux(key, n, at, sweep) / 2)
    assert sweep_of(PRESETS["loop"].setup) is None


def test_the_bottle_preset_lights_its_labels_shadow_side_mostly_by_the_sweep() -> None:
    # The path tracer's reading (volpath, depth 10) is 1.09 stops; without the bounce the
    # analysis said 2.5, and with strips as discs 1.5 (docs/decisions/analysis-light-model.md).
    ratio = face_light(PRESETS["product_tabletop"].setup).face_contrast
    assert ratio is not None
    assert ratio.stops == pytest.approx(1.1, abs=0.2)


def test_the_product_geometry_is_the_renderers() -> None:
    assert PRODUCT_FLOOR_Y == PRODUCT_BASE_Y
    middle = (LABEL_BOTTOM_Y + LABEL_TOP_Y) / 2
    assert middle == pytest.approx(LABEL_PROBE_Y)
    radius = float(bottle_radius(np.array([LABEL_PROBE_Y], np.float32))[0])
    assert radius == pytest.approx(LABEL_RADIUS_M, abs=1e-6)


@pytest.mark.parametrize("modifier", ["softbox", "stripbox", "octabox", "beauty_dish"])
def test_a_modifier_too_small_for_its_half_to_be_a_float_lights_as_a_point(modifier: str) -> None:
    # 5e-324 m: schema-valid (> 0), and half of it is 0.0 (found by schemathesis).
    tiny = _light(modifier, modifier_size=5e-324)
    lux = probe_lux(tiny, np.array([0.0, 0.0, 1.0]))
    assert lux == pytest.approx(on_axis_lux(tiny))

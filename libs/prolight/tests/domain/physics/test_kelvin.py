"""Kelvin → xy → linear sRGB, checked against colour-science; mired arithmetic and gels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from prolight.domain.physics.kelvin import (
    kelvin_from_mired,
    kelvin_to_linear_rgb,
    kelvin_to_srgb_hex,
    kelvin_to_xy,
    linear_to_srgb,
    mired,
    mix_kelvin,
)
from prolight.domain.schema import Gel, Light

with warnings.catch_warnings():
    # colour-science warns at import that matplotlib is missing; the plotting API is unused here.
    warnings.simplefilter("ignore")
    import colour

PLANCK_TOLERANCE_UV = 2e-4  # Krystek 1985 vs the CMF-integrated Planck locus, CIE 1960 uv
DAYLIGHT_TOLERANCE_XY = 1e-6  # the same CIE D polynomials: equal to rounding


def _xy_to_uv(xy: tuple[float, float]) -> np.ndarray:
    x, y = xy
    d = -2 * x + 12 * y + 3
    return np.array([4 * x / d, 6 * y / d])


@pytest.mark.parametrize("kelvin", [1000, 1500, 2000, 2700, 3200, 3600, 3999])
def test_tungsten_follows_planckian_locus(kelvin: float) -> None:
    reference = np.asarray(colour.temperature.CCT_to_uv_Planck1900(kelvin))
    assert np.abs(_xy_to_uv(kelvin_to_xy(kelvin)) - reference).max() < PLANCK_TOLERANCE_UV


@pytest.mark.parametrize("kelvin", [4000, 5000, 5600, 6504, 7500, 10000, 15000, 20000])
def test_daylight_follows_cie_d_locus(kelvin: float) -> None:
    reference = np.asarray(colour.temperature.CCT_to_xy_CIE_D(kelvin))
    assert np.abs(np.array(kelvin_to_xy(kelvin)) - reference).max() < DAYLIGHT_TOLERANCE_XY


def test_linear_rgb_matches_colour_science_matrix() -> None:
    xy = kelvin_to_xy(3200)
    xyz = colour.xy_to_XYZ(xy)
    ref = colour.XYZ_to_RGB(xyz, colour.RGB_COLOURSPACES["sRGB"], apply_cctf_encoding=False)
    white = colour.XYZ_to_RGB(
        colour.xy_to_XYZ(kelvin_to_xy(6504)),
        colour.RGB_COLOURSPACES["sRGB"],
        apply_cctf_encoding=False,
    )
    balanced = np.clip(ref / white, 0, None)
    balanced /= balanced @ np.array([0.2126, 0.7152, 0.0722])
    assert np.allclose(kelvin_to_linear_rgb(3200), balanced, atol=2e-3)


def test_d65_is_white_under_d65_white_balance() -> None:
    assert kelvin_to_linear_rgb(6504) == pytest.approx((1.0, 1.0, 1.0), abs=2e-3)
    assert kelvin_to_srgb_hex(6504) == "#ffffff"


def test_tungsten_is_visibly_warm() -> None:
    r, g, b = kelvin_to_linear_rgb(3200)
    assert r > 1.3 * g
    assert g > 1.5 * b


def test_10000k_is_cool() -> None:
    r, g, b = kelvin_to_linear_rgb(10000)
    assert b > 1.2 * g > 1.2 * r


@pytest.mark.parametrize("kelvin", [1000, 2000, 3200, 5600, 6504, 10000, 20000])
@pytest.mark.parametrize("white_balance", [3200, 5600, 6504])
def test_colour_never_changes_luminance(kelvin: float, white_balance: float) -> None:
    rgb = kelvin_to_linear_rgb(kelvin, white_balance)
    assert 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] == pytest.approx(1.0)
    assert min(rgb) >= 0.0


@pytest.mark.parametrize("kelvin", [3200, 5600])
def test_a_light_at_the_white_balance_is_neutral(kelvin: float) -> None:
    assert kelvin_to_linear_rgb(kelvin, kelvin) == pytest.approx((1.0, 1.0, 1.0))


def test_daylight_under_tungsten_balance_turns_blue() -> None:
    r, _, b = kelvin_to_linear_rgb(5600, 3200)
    assert b > 1.5 * r


def test_linear_to_srgb_floats_and_arrays() -> None:
    assert linear_to_srgb(0.0) == 0.0
    assert linear_to_srgb(1.0) == pytest.approx(1.0)
    assert linear_to_srgb(0.18) == pytest.approx(0.4614, abs=1e-4)  # 18 % grey encodes to ~118/255
    arr = linear_to_srgb(np.array([[0.0, 0.18], [1.0, 2.0]]))
    assert arr.shape == (2, 2)
    assert arr[1, 1] == pytest.approx(1.0)  # clipped
    assert np.allclose(arr, colour.cctf_encoding(np.clip([[0.0, 0.18], [1.0, 2.0]], 0, 1)))


def test_swatch_is_warm_for_tungsten() -> None:
    hexcode = kelvin_to_srgb_hex(3200)
    r, g, b = (int(hexcode[i : i + 2], 16) for i in (1, 3, 5))
    assert r == 255
    assert r > g > b


@pytest.mark.parametrize(
    ("kelvin", "expected"),
    [
        pytest.param(5600, 178.6, id="daylight"),
        pytest.param(3200, 312.5, id="tungsten"),
        pytest.param(1e6, 1.0, id="one-mired"),
    ],
)
def test_mired(kelvin: float, expected: float) -> None:
    assert mired(kelvin) == pytest.approx(expected, abs=0.1)
    assert kelvin_from_mired(mired(kelvin)) == pytest.approx(kelvin)


def test_mix_in_mireds() -> None:
    # Equal parts 5600 K and 3200 K: (178.6 + 312.5) / 2 = 245.5 mired = 4073 K (not 4400 K).
    assert mix_kelvin([5600, 3200], [1, 1]) == pytest.approx(4072.7, abs=0.5)
    assert mix_kelvin([5600, 3200], [1, 0]) == pytest.approx(5600)
    assert mix_kelvin([5600, 3200], [3, 1]) == pytest.approx(
        1e6 / (0.75 * 1e6 / 5600 + 0.25 * 1e6 / 3200)
    )


@pytest.mark.parametrize(
    ("kelvins", "weights"),
    [
        pytest.param([5600], [1, 2], id="length-mismatch"),
        pytest.param([5600, 3200], [0, 0], id="zero-weights"),
        pytest.param([5600], [-1], id="negative-weight"),
        pytest.param([], [], id="empty"),
        pytest.param([0.0], [1], id="zero-kelvin"),
    ],
)
def test_mix_rejects_bad_input(kelvins: list[float], weights: list[float]) -> None:
    with pytest.raises(ValueError, match=r"weight|kelvin"):
        mix_kelvin(kelvins, weights)


@pytest.mark.parametrize(
    ("gel", "base", "expected"),
    [
        # Full CTO is +159 mired: exactly 6500 K → 3200 K (its datasheet conversion); on a
        # 5600 K flash it gives 2962 K, the "≈ 3200 K" of the rule of thumb within 8 %.
        pytest.param({"kind": "cto", "amount": 1}, 6500, 3200, id="full-CTO-datasheet"),
        pytest.param({"kind": "cto", "amount": 1}, 5600, 2962, id="full-CTO-on-flash"),
        pytest.param({"kind": "ctb", "amount": 1}, 3200, 5600, id="full-CTB-on-tungsten"),
        pytest.param({"kind": "cto", "amount": 0.5}, 5600, 3900, id="half-CTO"),
        pytest.param({"kind": "mired", "amount": 50}, 5000, 4000, id="plus-50-mired"),
    ],
)
def test_gels_shift_in_mireds(gel: dict[str, float], base: float, expected: float) -> None:
    light = Light(kelvin=base, gel=Gel.model_validate(gel))
    assert light.effective_kelvin == pytest.approx(expected, rel=0.03)


def test_full_cto_turns_daylight_into_tungsten() -> None:
    light = Light(kelvin=5600, gel=Gel(kind="cto", amount=1))
    assert light.effective_kelvin == pytest.approx(3200, rel=0.08)
    assert mired(light.effective_kelvin) - mired(5600) == pytest.approx(159)


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan"), float("inf")])
def test_bad_kelvin_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="kelvin"):
        kelvin_to_xy(bad)

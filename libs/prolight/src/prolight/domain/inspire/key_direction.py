"""The key's direction from an image, for the framing it shows: a face's shading (the
terminator fit over the skin), or a product's matte label and the highlights on its glass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from prolight.domain.inspire.fitting import FIT_PIXELS, Fit, direction_confidence, fit_directions
from prolight.domain.inspire.framing import Template
from prolight.domain.render.relief import Material
from prolight.domain.schema import SubjectKind

__all__ = [
    "HIGHLIGHT_AZIMUTH_CONFIDENCE",
    "LABEL_MIN_R2",
    "PRODUCT_KEY_ELEVATION_DEG",
    "Measured",
    "measure_framing",
]


@dataclass(frozen=True)
class Measured:
    template: Template
    fit: Fit
    how: str  # how the key's direction was read
    confidence: float  # of the key's direction, 0–1
    matte_r2: float | None = None  # a product: how well its label shades as matte paper would


PRODUCT_KEY_ELEVATION_DEG = 30.0
"""A product's key elevation when nothing in the image tells it: a vertical cylinder (the
label, the glass body) shows every light's elevation the same way, and the cap's highlights
are on its vertical side too."""

LABEL_MIN_R2 = 0.8
"""Below this R² the label does not shade as matte paper does (an image of a bare or printed
bottle): it is not read, and the key's azimuth comes from the highlights alone."""


@dataclass(frozen=True)
class _Glints:
    azimuth: float  # degrees
    elevation: float | None  # degrees; None when the highlights cannot tell
    share: float  # the pile's share of the brightest highlights' luminance
    pixels: int  # glass and metal pixels read


def _highlights(value: NDArray[np.float64], template: Template) -> _Glints | None:
    """Glass and metal are mirrors: a highlight at normal n shows a light in the mirror
    direction r = 2(n·v)n − v (v towards the camera). The brightest highlights' mirror
    directions, weighted by their luminance, pile up most (15° bins) in front of the subject
    at the key: its direction is their mean in that pile. A pile on a vertical side (the body,
    the cap's side) says nothing of a light's height: no elevation then."""
    body = np.isin(template.material, (Material.GLASS, Material.CAP))
    if int(body.sum()) < 100:
        return None
    y = value[template.pixel][body]
    n = template.normal_cam[body]
    view = np.array([0.0, 0.0, 1.0])
    r = 2.0 * (n @ view)[:, None] * n - view
    az = np.degrees(np.arctan2(r[:, 0], r[:, 2]))
    el = np.degrees(np.arcsin(np.clip(r[:, 1], -1.0, 1.0)))
    front = np.abs(az) <= 110
    if front.sum() < 20:
        return None
    bright = front & (y >= np.percentile(y[front], 95))
    bins = np.arange(-180.0, 181.0, 15.0), np.arange(-90.0, 91.0, 15.0)
    pile, az_edges, el_edges = np.histogram2d(az[bright], el[bright], bins=bins, weights=y[bright])
    i, j = np.unravel_index(int(np.argmax(pile)), pile.shape)
    centre_az = (az_edges[i] + az_edges[i + 1]) / 2
    centre_el = (el_edges[j] + el_edges[j + 1]) / 2
    near = bright & (np.abs(az - centre_az) <= 25.0) & (np.abs(el - centre_el) <= 25.0)
    w = y[near]
    key_el = float((el[near] * w).sum() / w.sum())
    return _Glints(
        azimuth=float((az[near] * w).sum() / w.sum()),
        elevation=key_el if abs(key_el) >= 10.0 else None,
        share=min(1.0, float(w.sum()) / max(float(y[bright].sum()), 1e-12)),
        pixels=int(body.sum()),
    )


HIGHLIGHT_AZIMUTH_CONFIDENCE = 0.6
"""Confidence in a key azimuth read from highlights alone: a mirror shows every light, and a
bright fill or rim can win the pile."""


def _measure_product(value: NDArray[np.float64], template: Template) -> Measured | None:
    """A product's key from its two kinds of surface. The paper label is matte: its shading,
    fitted as the skin's is over the label's normals (all horizontal, so azimuths only), puts
    the key's azimuth where its lit side ends. Glass and metal mirror the set (`_highlights`):
    a pile of highlights on the shoulders, near that azimuth, gives the elevation; the
    highlights give the azimuth too when the label does not shade as matte paper would.
    Otherwise the elevation is `PRODUCT_KEY_ELEVATION_DEG`, and the confidence is halved."""
    glints = _highlights(value, template)
    label = template.material == Material.LABEL
    matte: Fit | None = None
    if int(label.sum()) >= 200:
        y = value[template.pixel][label]
        normals = template.normal_cam[label]
        if len(y) > FIT_PIXELS:
            pick = np.sort(np.random.default_rng(0).choice(len(y), FIT_PIXELS, replace=False))
            y, normals = y[pick], normals[pick]
        matte = fit_directions(normals, y, level=True)
        if matte.r2 < LABEL_MIN_R2:
            matte = None
    if matte is not None:
        azimuth, confidence = matte.key[0], direction_confidence(matte)
        how = (
            f"azimuth from the terminator on the matte label, {int(label.sum())} pixels "
            f"(R² {matte.r2:.2f}, key {matte.key_share:.0%} of the modelled light)"
        )
    elif glints is not None:
        azimuth, confidence = float(round(glints.azimuth)), HIGHLIGHT_AZIMUTH_CONFIDENCE
        how = f"azimuth where the brightest of {glints.pixels} glass and metal pixels mirror"
    else:
        return None
    if (
        glints is not None
        and glints.elevation is not None
        and abs((glints.azimuth - azimuth + 180.0) % 360.0 - 180.0) <= 30.0
    ):
        elevation = float(round(glints.elevation))
        how += f"; elevation from the highlights on the shoulders ({elevation:g}°)"
    else:
        # A vertical cylinder shows no light's height: the direction is only half measured.
        elevation = PRODUCT_KEY_ELEVATION_DEG
        confidence *= 0.5
        how += f"; elevation not shown by a vertical cylinder, assumed {elevation:g}°"
    if matte is not None:
        fit = Fit((azimuth, elevation), matte.other, matte.key_share, matte.r2, matte.sharpness)
    else:
        share = glints.share if glints is not None else 0.0
        fit = Fit((azimuth, elevation), (0.0, 0.0), share, 0.0, 0.0)
    return Measured(template, fit, how, confidence, matte.r2 if matte is not None else None)


def measure_framing(value: NDArray[np.float64], template: Template) -> Measured | None:
    """The key's direction read off scene luminance `value` through `template`; None: no subject."""
    if template.framing.kind == SubjectKind.PRODUCT:
        return _measure_product(value, template)
    skin = template.material == Material.SKIN
    if int(skin.sum()) < 200:
        return None
    y = value[template.pixel][skin]
    normals = template.normal_cam[skin]
    if len(y) > FIT_PIXELS:
        pick = np.random.default_rng(0).choice(len(y), FIT_PIXELS, replace=False)
        y, normals = y[np.sort(pick)], normals[np.sort(pick)]
    fit = fit_directions(normals, y)
    how = (
        f"terminator fit over {int(skin.sum())} skin pixels (R² {fit.r2:.2f}, "
        f"key {fit.key_share:.0%} of the modelled light)"
    )
    return Measured(template, fit, how, direction_confidence(fit))

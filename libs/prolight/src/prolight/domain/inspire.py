"""Inspire mode: a lighting setup measured from an image, with a confidence for each field.

`read_image(data)` accepts PNG, JPEG and WebP bytes only (checked by signature, then by
decoding), at most `MAX_IMAGE_BYTES` bytes and `MAX_IMAGE_PIXELS` pixels; nothing is ever
fetched from a URL. `measure(image)` reads the lighting off the pixels:

1. **Framing.** The subject's geometry comes from the local renderer's own sitter (or
   product): for each candidate framing (`FRAMINGS`: shot type, head turn, subject kind) the
   renderer casts its camera rays at the image's size and reports, per pixel of the subject,
   the surface normal and material (`render_with_buffers`). The framing kept is the one whose
   outline and feature edges (eyes, lips, hairline) lie on the image's edges. (Shading alone
   cannot tell: a head turned 30° lit from 90° shades like a frontal one lit from 60°.) An
   image of another face matches less well; the framing's confidence says so.
2. **Key direction**, from highlight and shadow positions: the image is decoded to scene
   luminance (the inverse of the renderer's filmic curve and sRGB), and the skin's luminance is
   fitted as `a·max(0, n·l₁) + b·max(0, n·l₂) + c` over the normals n: a key l₁ (in front of the
   subject), a second light l₂ and an ambient floor, by exhaustive search over directions
   (`COARSE_STEP_DEG`, then `FINE_STEP_DEG` around the best) with a linear least-squares fit
   per direction, refitted after dropping outliers (cast shadows, speculars). Where the lit
   side ends (the terminator) fixes l₁: a clamped cosine is not linear there. A product's
   glass and metal are mirrors, but its paper label is matte: the same fit over the label
   gives the key's azimuth (a vertical cylinder cannot show a light's height: the elevation
   comes from highlights on the shoulders, or is assumed, and the confidence says so). Where
   the label does not shade as matte paper would, the azimuth is where the brightest
   highlights' mirror directions pile up.
3. **Ratio**, from the lit/shadow luminance: the face meter of the renderer
   (`render.measure.measure_cheeks`, two cheek probes at fixed normals; on a product, two
   probes on its label, where a photographer would meter a bottle) read on the image's
   luminance. More than `RATIO_CAP_STOPS` (the shadow side at the noise floor of 8 bits) is
   reported as the cap: "at least". A product's ratio is trusted as far as its label shades as
   matte paper (the fit's R²): not at all below `LABEL_MIN_R2`.
4. **Colour temperature**, from the neutral areas: the brightest quarter of the low-saturation
   backdrop pixels, matched to the kelvin whose colour (at a 5600 K white balance) has the same
   red/blue balance.
5. **The setup**: the key where measured; a fill on the other side at eye level whose power
   reproduces the measured ratio (`physics.face.face_light`, bisection); the camera exposed for
   the key; the framing's camera and subject.

Units: degrees (azimuth positive camera-right, elevation positive up), stops, kelvin.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field

from prolight.domain.errors import InvalidInput
from prolight.domain.physics.face import face_light
from prolight.domain.physics.kelvin import kelvin_to_linear_rgb
from prolight.domain.physics.meter import expose_for_key
from prolight.domain.render.measure import measure_cheeks
from prolight.domain.render.relief import Material
from prolight.domain.render.renderer import render_with_buffers
from prolight.domain.render.scene import Scene, build_scene, rotate_y
from prolight.domain.render.tonemap import filmic
from prolight.domain.schema import Direction, FiboPrompt, LightingSetup, Role, ShotType, SubjectKind

__all__ = [
    "ACCEPTED_FORMATS",
    "FRAMINGS",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "RATIO_CAP_STOPS",
    "Estimate",
    "Framing",
    "Reading",
    "measure",
    "read_image",
]

ACCEPTED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
"""Image formats an upload may be in (Pillow's names), with their media types."""

MAX_IMAGE_BYTES = 8 * 1024 * 1024
"""Largest image accepted, in bytes (the gateway's body limit may be lower)."""

MAX_IMAGE_PIXELS = 40_000_000
"""Largest image accepted, in pixels (width × height), checked before decoding."""

RATIO_CAP_STOPS = 5.0
"""Largest ratio an 8-bit image can show: the shadow side at the noise floor."""

WORK_SIDE = 320
"""Longest side, in pixels, the image is measured at."""

COARSE_STEP_DEG = 6.0
FINE_STEP_DEG = 2.0
FIT_PIXELS = 1500
"""Skin pixels the direction fit uses (a fixed, seeded sample of them)."""


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


class Estimate(BaseModel):
    """One measured field: its value, a confidence 0–1, and how it was measured."""

    model_config = ConfigDict(frozen=True)

    value: Any
    confidence: float = Field(ge=0, le=1)
    how: str


class Reading(BaseModel):
    """What `measure` found: each field with its confidence, and the setup built from them."""

    model_config = ConfigDict(frozen=True)

    fields: dict[str, Estimate] = Field(
        description="framing, key_direction, ratio_stops, kelvin, fill_direction"
    )
    setup: LightingSetup
    notes: list[str] = Field(default_factory=list)

    @property
    def key_direction(self) -> Direction:
        """The key's measured direction."""
        return Direction.model_validate(self.fields["key_direction"].value)

    @property
    def ratio_stops(self) -> float:
        """The measured face contrast in stops (`RATIO_CAP_STOPS` when at least that)."""
        return float(self.fields["ratio_stops"].value)


# ------------------------------------------------------------------ decoding

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
)


def _sniff(data: bytes) -> str | None:
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def read_image(data: bytes, field: str = "image") -> NDArray[np.uint8]:
    """The (h, w, 3) 8-bit RGB pixels of PNG, JPEG or WebP `data` (module doc for the limits).

    Raises InvalidInput naming `field` for anything else: another format (by signature, so a
    renamed file is caught), a size over the limits, or bytes that do not decode.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput.single(
            field, f"the image is {len(data)} bytes; at most {MAX_IMAGE_BYTES} are accepted"
        )
    kind = _sniff(data)
    if kind is None:
        raise InvalidInput.single(field, "only PNG, JPEG and WebP images are accepted")
    try:
        with Image.open(io.BytesIO(data), formats=[kind]) as im:
            w, h = im.size
            if w * h > MAX_IMAGE_PIXELS:
                raise InvalidInput.single(
                    field, f"the image is {w}×{h} pixels; at most {MAX_IMAGE_PIXELS} are accepted"
                )
            if min(w, h) < 32:
                raise InvalidInput.single(field, f"the image is {w}×{h} pixels; too small to read")
            pixels = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput.single(field, f"the image cannot be decoded as {kind}") from exc
    return pixels


def _work_size(w: int, h: int) -> tuple[int, int]:
    scale = min(1.0, WORK_SIDE / max(w, h))
    return max(64, round(w * scale)), max(64, round(h * scale))


@lru_cache(maxsize=1)
def _inverse_tone() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """8-bit sRGB code → scene value through the renderer's filmic curve, as a table."""
    value = np.linspace(0.0, 1.0, 8192) ** 2 * 24.0
    lin = filmic(value.astype(np.float32)).astype(np.float64)
    code = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.power(lin, 1 / 2.4) - 0.055) * 255
    codes, first = np.unique(code, return_index=True)
    return codes, value[first]


def _scene_values(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    codes, values = _inverse_tone()
    out: NDArray[np.float64] = np.interp(pixels.astype(np.float64), codes, values)
    return out


_LUMA = np.array([0.2126, 0.7152, 0.0722])


# ------------------------------------------------------------------ geometry


@dataclass(frozen=True)
class _Template:
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
def _template(framing: Framing, width: int, height: int) -> _Template:
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
    return _Template(
        framing, setup, scene, pixel, buf.point, buf.normal, normal_cam, buf.material, buf.back
    )


def _grid(
    step: float,
    centre: tuple[float, float] | None = None,
    span: float = 0.0,
    *,
    level: bool = False,
) -> NDArray[np.float64]:
    """Directions (azimuth, elevation) every `step` degrees: all of them, or within `span` of
    `centre`; only at elevation 0 when `level`."""
    if centre is None:
        az = np.arange(-180.0, 180.0, step)
        el = np.arange(-60.0, 90.0, step)
    else:
        az = centre[0] + np.arange(-span, span + step / 2, step)
        el = np.clip(centre[1] + np.arange(-span, span + step / 2, step), -89.0, 89.0)
    if level:
        el = np.zeros(1)
    a, e = np.meshgrid(az, el, indexing="ij")
    dirs = np.stack([a.ravel(), e.ravel()], axis=1)
    dirs[:, 0] = (dirs[:, 0] + 180.0) % 360.0 - 180.0
    return np.unique(dirs, axis=0)


def _vectors(dirs: NDArray[np.float64]) -> NDArray[np.float64]:
    a, e = np.radians(dirs[:, 0]), np.radians(dirs[:, 1])
    return np.stack([np.cos(e) * np.sin(a), np.sin(e), np.cos(e) * np.cos(a)], axis=1)


@dataclass(frozen=True)
class _Fit:
    key: tuple[float, float]
    other: tuple[float, float]
    key_share: float  # the key's share of the light the two lights put on the skin
    r2: float
    sharpness: float  # how much worse the fit is 20° away from the key: 0 (flat) … 1


def _solve(
    shade: NDArray[np.float64], y: NDArray[np.float64], extra: NDArray[np.float64] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per column d of `shade`: least squares y ≈ β₀·shade_d + β₁ (+ β₂·extra); β and the
    residual sum of squares, from the normal equations (sums as matrix products)."""
    n = float(len(y))
    s1 = shade.sum(axis=0)
    ss = np.einsum("nd,nd->d", shade, shade)
    sy = y @ shade
    cols = [[ss, s1], [s1, np.full_like(s1, n)]]
    rhs = [sy, np.full_like(s1, y.sum())]
    if extra is not None:
        se = extra @ shade
        cols[0].append(se)
        cols[1].append(np.full_like(s1, extra.sum()))
        cols.append([se, np.full_like(s1, extra.sum()), np.full_like(s1, extra @ extra)])
        rhs.append(np.full_like(s1, extra @ y))
    k = len(rhs)
    g = np.stack([np.stack(row, axis=-1) for row in cols], axis=-2)  # (D, k, k)
    g += np.eye(k) * 1e-9
    b = np.stack(rhs, axis=-1)
    beta = np.linalg.solve(g, b[..., None])[..., 0]
    rss = float(y @ y) - np.einsum("dk,dk->d", beta, b)
    return beta, rss


def _best(
    normals: NDArray[np.float64],
    y: NDArray[np.float64],
    dirs: NDArray[np.float64],
    extra: NDArray[np.float64] | None,
    front: bool,
) -> tuple[int, NDArray[np.float64], float, NDArray[np.float64]]:
    shade = np.maximum(0.0, normals @ _vectors(dirs).T)
    beta, rss = _solve(shade, y, extra)
    bad = beta[:, 0] <= 0
    if extra is not None:
        bad |= beta[:, 2] < 0
    if front:
        bad |= np.abs(dirs[:, 0]) > 110
    rss = np.where(bad, np.inf, rss)
    k = int(np.argmin(rss))
    return k, beta[k], float(rss[k]), rss


def _fit_directions(
    normals: NDArray[np.float64], y: NDArray[np.float64], *, level: bool = False
) -> _Fit:
    """Fit y ≈ a·max(0, n·l₁) + b·max(0, n·l₂) + c over unit normals (module doc, step 2).

    `level`: the normals are all horizontal (a vertical cylinder), so a light's elevation only
    scales its cosine and cannot be told from its strength; the lights are searched at
    elevation 0 and only their azimuths mean anything.
    """
    coarse = _grid(COARSE_STEP_DEG, level=level)
    keep = np.ones(len(y), dtype=bool)
    key = other = (0.0, 0.0)
    beta = np.zeros(3)
    rss = 0.0
    for _ in range(3):
        n, v = normals[keep], y[keep]
        k1, _, _, _ = _best(n, v, coarse, None, front=True)
        key = (float(coarse[k1, 0]), float(coarse[k1, 1]))
        s_key = np.maximum(0.0, n @ _vectors(np.array([key]))[0])
        k2, _, _, _ = _best(n, v, coarse, s_key, front=False)
        other = (float(coarse[k2, 0]), float(coarse[k2, 1]))
        s_other = np.maximum(0.0, n @ _vectors(np.array([other]))[0])
        fine = _grid(FINE_STEP_DEG, key, COARSE_STEP_DEG, level=level)
        k1, beta, rss, _ = _best(n, v, fine, s_other, front=True)
        key = (float(fine[k1, 0]), float(fine[k1, 1]))
        pred = (
            beta[0] * np.maximum(0.0, normals @ _vectors(np.array([key]))[0])
            + beta[1]
            + beta[2] * np.maximum(0.0, normals @ _vectors(np.array([other]))[0])
        )
        res = y - pred
        mad = float(np.median(np.abs(res[keep]))) * 1.4826 + 1e-9
        keep = np.abs(res) < 2.5 * mad
        if keep.sum() < 50:
            keep = np.ones(len(y), dtype=bool)
    n, v = normals[keep], y[keep]
    var = float(len(v) * v.var()) + 1e-12
    s_other = np.maximum(0.0, n @ _vectors(np.array([other]))[0])
    ring = _ring(key, 20.0, level=level)
    _, _, _, rss_ring = _best(n, v, ring, s_other, front=False)
    finite = rss_ring[np.isfinite(rss_ring)]
    worse = float(finite.min()) if len(finite) else var
    sharpness = max(0.0, min(1.0, (worse - rss) / (0.05 * var)))
    key_light = beta[0] * np.maximum(0.0, n @ _vectors(np.array([key]))[0]).mean()
    other_light = beta[2] * s_other.mean()
    share = float(key_light / max(key_light + other_light, 1e-12))
    return _Fit(key, other, share, max(0.0, 1.0 - rss / var), sharpness)


def _ring(
    centre: tuple[float, float], radius: float, *, level: bool = False
) -> NDArray[np.float64]:
    """Directions `radius` degrees away from `centre`, every 30° around it (only to either side
    in azimuth when `level`)."""
    if level:
        return np.array([[centre[0] - radius, centre[1]], [centre[0] + radius, centre[1]]])
    c = _vectors(np.array([centre]))[0]
    helper = np.array([0.0, 1.0, 0.0]) if abs(c[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(c, helper)
    u /= np.linalg.norm(u)
    w = np.cross(c, u)
    r = math.radians(radius)
    out = []
    for t in np.radians(np.arange(0.0, 360.0, 30.0)):
        d = math.cos(r) * c + math.sin(r) * (math.cos(t) * u + math.sin(t) * w)
        out.append(
            (math.degrees(math.atan2(d[0], d[2])), math.degrees(math.asin(max(-1, min(1, d[1])))))
        )
    return np.array(out)


# ------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class _Measured:
    template: _Template
    fit: _Fit
    how: str  # how the key's direction was read
    confidence: float  # of the key's direction, 0–1
    matte_r2: float | None = None  # a product: how well its label shades as matte paper would


def _edge_score(grad: NDArray[np.float64], template: _Template, w: int, h: int) -> float:
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


def _gradient(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    g: NDArray[np.float64] = pixels.astype(np.float64) @ _LUMA
    grad: NDArray[np.float64] = np.zeros_like(g)
    grad[:, :-1] = np.abs(np.diff(g, axis=1))
    grad[:-1, :] = np.maximum(grad[:-1, :], np.abs(np.diff(g, axis=0)))
    return grad


PRODUCT_KEY_ELEVATION_DEG = 30.0
"""A product's key elevation when nothing in the image tells it: a vertical cylinder (the
label, the glass body) shows every light's elevation the same way, and the cap's highlights
are on its vertical side too."""

LABEL_MIN_R2 = 0.8
"""Below this R² the label does not shade as matte paper does (an image of a bare or printed
bottle): it is not read, and the key's azimuth comes from the highlights alone."""


def _direction_confidence(fit: _Fit) -> float:
    return max(0.0, min(1.0, fit.r2 * (0.4 + 0.6 * fit.sharpness)))


@dataclass(frozen=True)
class _Glints:
    azimuth: float  # degrees
    elevation: float | None  # degrees; None when the highlights cannot tell
    share: float  # the pile's share of the brightest highlights' luminance
    pixels: int  # glass and metal pixels read


def _highlights(value: NDArray[np.float64], template: _Template) -> _Glints | None:
    """Glass and metal are mirrors: a highlight at normal n shows a light in the mirror
    direction r = 2(n·v)n − v (v towards the camera). The brightest highlights' mirror
    directions, weighted by their luminance, pile up most (15° bins) in front of the subject
    at the key: its direction is their mean in that pile. A pile on a vertical side (the body,
    the cap's side) says nothing of a light's height: no elevation then."""
    body = ~template.back & np.isin(template.material, (Material.GLASS, Material.CAP))
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


def _measure_product(value: NDArray[np.float64], template: _Template) -> _Measured | None:
    """A product's key from its two kinds of surface. The paper label is matte: its shading,
    fitted as the skin's is over the label's normals (all horizontal, so azimuths only), puts
    the key's azimuth where its lit side ends. Glass and metal mirror the set (`_highlights`):
    a pile of highlights on the shoulders, near that azimuth, gives the elevation; the
    highlights give the azimuth too when the label does not shade as matte paper would.
    Otherwise the elevation is `PRODUCT_KEY_ELEVATION_DEG`, and the confidence is halved."""
    glints = _highlights(value, template)
    label = ~template.back & (template.material == Material.LABEL)
    matte: _Fit | None = None
    if int(label.sum()) >= 200:
        y = value[template.pixel][label]
        normals = template.normal_cam[label]
        if len(y) > FIT_PIXELS:
            pick = np.sort(np.random.default_rng(0).choice(len(y), FIT_PIXELS, replace=False))
            y, normals = y[pick], normals[pick]
        matte = _fit_directions(normals, y, level=True)
        if matte.r2 < LABEL_MIN_R2:
            matte = None
    if matte is not None:
        azimuth, confidence = matte.key[0], _direction_confidence(matte)
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
        fit = _Fit((azimuth, elevation), matte.other, matte.key_share, matte.r2, matte.sharpness)
    else:
        share = glints.share if glints is not None else 0.0
        fit = _Fit((azimuth, elevation), (0.0, 0.0), share, 0.0, 0.0)
    return _Measured(template, fit, how, confidence, matte.r2 if matte is not None else None)


def _measure_framing(value: NDArray[np.float64], template: _Template) -> _Measured | None:
    if template.framing.kind == SubjectKind.PRODUCT:
        return _measure_product(value, template)
    skin = (template.material == Material.SKIN) & ~template.back
    if int(skin.sum()) < 200:
        return None
    y = value[template.pixel][skin]
    normals = template.normal_cam[skin]
    if len(y) > FIT_PIXELS:
        pick = np.random.default_rng(0).choice(len(y), FIT_PIXELS, replace=False)
        y, normals = y[np.sort(pick)], normals[np.sort(pick)]
    fit = _fit_directions(normals, y)
    how = (
        f"terminator fit over {int(skin.sum())} skin pixels (R² {fit.r2:.2f}, "
        f"key {fit.key_share:.0%} of the modelled light)"
    )
    return _Measured(template, fit, how, _direction_confidence(fit))


def _kelvin(pixels: NDArray[np.uint8], subject: NDArray[np.bool_]) -> tuple[float, float, int]:
    """Kelvin of the neutral areas (module doc), its confidence and the pixels it used."""
    rgb = _scene_values(pixels).reshape(-1, 3)
    luma = rgb @ _LUMA
    peak = rgb.max(axis=1)
    sat = (peak - rgb.min(axis=1)) / np.maximum(peak, 1e-9)
    code = pixels.reshape(-1, 3).max(axis=1)
    usable = ~subject & (sat < 0.35) & (code < 250) & (code > 20)
    if usable.sum() < 50:
        return 5600.0, 0.1, int(usable.sum())
    bright = usable & (luma >= np.percentile(luma[usable], 75))
    mean = rgb[bright].mean(axis=0)
    measured = math.log(mean[0] / mean[2])
    lo, hi = 2000.0, 12000.0
    for _ in range(40):  # red/blue falls as kelvin rises
        mid = math.sqrt(lo * hi)
        r, _, b = kelvin_to_linear_rgb(mid, 5600.0)
        lo, hi = (mid, hi) if math.log(r / b) > measured else (lo, mid)
    kelvin = round(math.sqrt(lo * hi) / 50.0) * 50.0
    confidence = 0.5 if float(sat[bright].mean()) < 0.15 else 0.3
    return kelvin, confidence, int(bright.sum())


def _fill_for(setup: LightingSetup, stops: float) -> LightingSetup:
    """`setup` with a fill (if one is needed) whose power gives a face contrast of `stops`."""
    bare = face_light(setup).face_contrast
    if bare is not None and bare.stops <= stops + 0.02:
        return setup
    if stops >= RATIO_CAP_STOPS:
        return setup
    key = setup.lighting[Role.KEY]
    side = -1.0 if key.direction.azimuth - setup.subject.head_turn_deg >= 0 else 1.0
    az = setup.subject.head_turn_deg + side * 40.0

    def with_fill(power: float) -> LightingSetup:
        data = setup.model_dump(mode="json")
        data["lighting"]["fill"] = {
            "intensity": power,
            "kelvin": key.kelvin,
            "softness": 0.7,
            "modifier": "umbrella",
            "distance": 2.0,
            "direction": {"azimuth": az, "elevation": 0.0},
        }
        return LightingSetup.model_validate(data)

    lo, hi = 0.001, 1.0
    top = face_light(with_fill(hi)).face_contrast
    if top is not None and top.stops > stops:
        return with_fill(hi)
    for _ in range(30):
        mid = math.sqrt(lo * hi)
        contrast = face_light(with_fill(mid)).face_contrast
        if contrast is None or contrast.stops > stops:
            lo = mid
        else:
            hi = mid
    return with_fill(round(math.sqrt(lo * hi), 4))


def measure(pixels: NDArray[np.uint8]) -> Reading:
    """Measure the lighting of `pixels` ((h, w, 3) 8-bit sRGB; see the module doc).

    Raises InvalidInput (field `image`) when no framing finds a subject to read.
    """
    h, w = pixels.shape[:2]
    ww, wh = _work_size(w, h)
    if (ww, wh) != (w, h):
        pixels = np.asarray(
            Image.fromarray(pixels).resize((ww, wh), Image.Resampling.BILINEAR), dtype=np.uint8
        )
    value = _scene_values(pixels).reshape(-1, 3) @ _LUMA
    grad = _gradient(pixels)
    scored = sorted(
        ((_edge_score(grad, _template(f, ww, wh), ww, wh), -i) for i, f in enumerate(FRAMINGS)),
        reverse=True,
    )
    edge, runner_up = scored[0][0], scored[1][0]
    framing = FRAMINGS[-scored[0][1]]
    template = _template(framing, ww, wh)
    best = _measure_framing(value, template)
    if best is None or edge <= 1.0:
        raise InvalidInput.single("image", "no subject could be found to measure")
    fit = best.fit

    probe = LightingSetup.model_validate(
        {
            "lighting": {"key": {"direction": {"azimuth": fit.key[0], "elevation": fit.key[1]}}},
            "subject": {"head_turn_deg": framing.head_turn_deg, "kind": framing.kind.value},
        }
    )
    reading = measure_cheeks(
        probe,
        template.scene,
        template.point,
        template.normal,
        template.material,
        template.back,
        value[template.pixel].astype(np.float32),
    )
    capped = reading.stops is None or reading.stops >= RATIO_CAP_STOPS
    stops = RATIO_CAP_STOPS if capped or reading.stops is None else max(0.0, reading.stops)
    probes = min(reading.lit_pixels, reading.shadow_pixels)

    subject = np.zeros(ww * wh, dtype=bool)
    subject[template.pixel] = True
    kelvin, kelvin_conf, neutral = _kelvin(pixels, subject)

    setup = LightingSetup.model_validate(
        {
            "lighting": {
                "key": {
                    "direction": {"azimuth": fit.key[0], "elevation": fit.key[1]},
                    "intensity": 0.6,
                    "kelvin": kelvin,
                    "softness": 0.6,
                    "distance": 1.4,
                    "modifier": "softbox",
                },
            },
            "camera": {"shot_type": framing.shot_type.value},
            "subject": {
                "kind": framing.kind.value,
                "head_turn_deg": framing.head_turn_deg,
                "description": "subject of the inspiring image",
            },
            "style": "inspired by a reference image",
        }
    )
    setup = expose_for_key(_fill_for(setup, stops))
    framing_conf = max(0.0, min(1.0, 1.0 - runner_up / edge))
    ratio_conf = (0.9 if probes >= 20 else 0.6 if probes >= 4 else 0.2) * (0.7 if capped else 1.0)
    surface = "label" if framing.kind == SubjectKind.PRODUCT else "cheek"
    if capped:
        ratio_how = (
            f"at least {RATIO_CAP_STOPS:g} stops: the shadow {surface} is at the noise floor"
        )
    else:
        ratio_how = (
            f"{surface} probes, lit {reading.lit_pixels} px, shadow {reading.shadow_pixels} px"
        )
    if framing.kind == SubjectKind.PRODUCT:
        if best.matte_r2 is None:
            # No matte label to read: the probes would read glass, which mirrors the set.
            ratio_conf = 0.1
            ratio_how = "probes on a label that does not shade as matte paper: unreliable"
        else:
            # As trustworthy as the label is the matte paper the probes assume.
            ratio_conf *= best.matte_r2
            ratio_how += f" (the label shades as matte paper, R² {best.matte_r2:.2f})"
    fields = {
        "framing": Estimate(
            value={
                "subject": framing.kind.value,
                "shot_type": framing.shot_type.value,
                "head_turn_deg": framing.head_turn_deg,
            },
            confidence=round(framing_conf, 2),
            how=f"outline and features on the image's edges, best of {len(FRAMINGS)} framings "
            f"(edge score {edge:.1f}, next {runner_up:.1f})",
        ),
        "key_direction": Estimate(
            value={"azimuth": fit.key[0], "elevation": fit.key[1]},
            confidence=round(best.confidence, 2),
            how=best.how,
        ),
        "ratio_stops": Estimate(
            value=round(stops, 2),
            confidence=round(ratio_conf, 2),
            how=ratio_how,
        ),
        "kelvin": Estimate(
            value=kelvin,
            confidence=kelvin_conf,
            how=f"{neutral} neutral backdrop pixels, assumed grey, at a 5600 K white balance",
        ),
        "fill_direction": Estimate(
            value={"azimuth": fit.other[0], "elevation": fit.other[1]},
            confidence=round(0.3 * (1.0 - fit.key_share) + 0.1, 2),
            how="second light of the shading fit (weak evidence; the setup places its fill "
            "by convention, powered to the measured ratio)",
        ),
    }
    notes = [
        f"key measured at {Direction(azimuth=fit.key[0], elevation=fit.key[1]).describe()}",
        f"face contrast {'≥ ' if capped else ''}{stops:.2f} stops",
    ]
    return Reading(fields=fields, setup=setup, notes=notes)

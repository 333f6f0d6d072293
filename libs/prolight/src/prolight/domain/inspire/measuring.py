"""`read_image` and `measure`: an uploaded image's lighting, as a setup with a confidence per field
(the steps: see the package doc)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from prolight.domain.errors import InvalidInput
from prolight.domain.imaging import decode_rgb
from prolight.domain.inspire.estimate import MAX_IMAGE_BYTES, RATIO_CAP_STOPS, Estimate, Reading
from prolight.domain.inspire.framing import (
    FRAMINGS,
    edge_score,
    gradient,
    template_for,
    work_size,
)
from prolight.domain.inspire.key_direction import measure_framing
from prolight.domain.inspire.tone import LUMA, neutral_kelvin, scene_values
from prolight.domain.physics.face import face_light
from prolight.domain.physics.meter import expose_for_key
from prolight.domain.render.measure import read_probes
from prolight.domain.schema import Direction, LightingSetup, Role, SubjectKind

__all__ = ["measure", "read_image"]


def read_image(data: bytes, field: str = "image") -> NDArray[np.uint8]:
    """The (h, w, 3) 8-bit RGB pixels of PNG, JPEG or WebP `data`: `imaging.decode_rgb` with
    Inspire's limits (at most `MAX_IMAGE_BYTES`, at least 32 pixels a side).

    Raises InvalidInput naming `field` (see `prolight.domain.imaging`).
    """
    return decode_rgb(data, field, max_bytes=MAX_IMAGE_BYTES, min_side=32)


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
    ww, wh = work_size(w, h)
    if (ww, wh) != (w, h):
        pixels = np.asarray(
            Image.fromarray(pixels).resize((ww, wh), Image.Resampling.BILINEAR), dtype=np.uint8
        )
    value = scene_values(pixels).reshape(-1, 3) @ LUMA
    grad = gradient(pixels)
    scored = sorted(
        ((edge_score(grad, template_for(f, ww, wh), ww, wh), -i) for i, f in enumerate(FRAMINGS)),
        reverse=True,
    )
    edge, runner_up = scored[0][0], scored[1][0]
    framing = FRAMINGS[-scored[0][1]]
    template = template_for(framing, ww, wh)
    best = measure_framing(value, template)
    if best is None or edge <= 1.0:
        raise InvalidInput.single("image", "no subject could be found to measure")
    fit = best.fit

    probe = LightingSetup.model_validate(
        {
            "lighting": {"key": {"direction": {"azimuth": fit.key[0], "elevation": fit.key[1]}}},
            "subject": {"head_turn_deg": framing.head_turn_deg, "kind": framing.kind.value},
        }
    )
    reading = read_probes(
        probe,
        template.scene,
        template.normal,
        template.meter,
        value[template.pixel].astype(np.float32),
    )
    capped = reading.stops is None or reading.stops >= RATIO_CAP_STOPS
    stops = RATIO_CAP_STOPS if capped or reading.stops is None else max(0.0, reading.stops)
    probes = min(reading.lit_pixels, reading.shadow_pixels)

    subject = np.zeros(ww * wh, dtype=bool)
    subject[template.pixel] = True
    kelvin, kelvin_conf, neutral = neutral_kelvin(pixels, subject)

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

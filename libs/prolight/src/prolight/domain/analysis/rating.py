"""A professional's 1–10 for a setup: the weighted mean of named, explained components."""

from __future__ import annotations

import math

from prolight.domain.analysis.colour import MIXED_MIRED
from prolight.domain.analysis.intent import INTENTS
from prolight.domain.analysis.ratios import (
    fmt_stops,
    in_range,
)
from prolight.domain.analysis.report import (
    ColourHarmony,
    Intent,
    Rating,
    RatingComponent,
    Ratios,
)
from prolight.domain.analysis.separation import separation_lights
from prolight.domain.physics.face import FaceLight, key_light
from prolight.domain.physics.meter import MeterReading
from prolight.domain.physics.photometry import INCIDENT_METER_C
from prolight.domain.schema import LightingSetup, Role, SubjectKind

__all__ = ["rate"]


def rate(
    setup: LightingSetup,
    ratios: Ratios,
    intent: Intent,
    colour: ColourHarmony,
    bg: float,
    meter: dict[Role, MeterReading],
    fl: FaceLight,
) -> Rating:
    """Score the ratio, colour, separation, rim, catchlight and exposure headroom."""
    comps: list[RatingComponent] = []
    judged = ratios.judged_stops
    off = in_range(judged, intent)
    hi = "∞" if intent.max_stops is None else f"{intent.max_stops:g}"
    comps.append(
        RatingComponent(
            name="ratio_suits_intent",
            score=round(max(0.0, 10 - 4 * off), 1),
            weight=3,
            reason=f"{fmt_stops(judged)} for {INTENTS[intent.name].label}, which wants "
            f"{intent.min_stops:g}–{hi} stops ({intent.source})"
            + ("" if off == 0 else f"; {off:.1f} stops outside"),
        )
    )

    if colour.mired_spread < MIXED_MIRED:
        c_score, c_reason = 10.0, f"all lights within {colour.mired_spread:.0f} mired of each other"
    elif colour.deliberate_mix:
        c_score, c_reason = (
            9.0,
            (
                f"{colour.mired_spread:.0f} mired spread reads as deliberate (gel, colour words in "
                "the style, or an accent light)"
            ),
        )
    else:
        c_score = max(1.0, 10 - (colour.mired_spread - MIXED_MIRED) / 10)
        c_reason = f"{colour.mired_spread:.0f} mired spread between face lights looks accidental"
    comps.append(
        RatingComponent(
            name="colour_consistency", score=round(c_score, 1), weight=2, reason=c_reason
        )
    )

    seps = separation_lights(setup)
    if seps:
        s_score = 10.0
        names = ", ".join(r.value for r in seps)
        s_reason = f"{names} light(s) outline the subject; backdrop {bg:+.1f} stops"
    else:
        s_score = min(10.0, 4 + 4 * abs(bg))
        s_reason = f"backdrop {bg:+.1f} stops from the lit cheek" + (
            " — the subject merges with it" if abs(bg) < 1 else " — tonal separation"
        )
    comps.append(
        RatingComponent(name="separation", score=round(s_score, 1), weight=2, reason=s_reason)
    )

    if seps:
        r_score, r_reason = 10.0, f"{', '.join(r.value for r in seps)} present"
    elif (
        intent.name in ("low_key", "high_key", "dramatic")
        or setup.subject.kind == SubjectKind.PRODUCT
    ):
        r_score, r_reason = 8.0, f"no rim light; not expected for {intent.name.replace('_', '-')}"
    elif bg < -2:
        r_score, r_reason = (
            4.0,
            "no rim or hair light against a dark backdrop: hair and shoulders vanish",
        )
    else:
        r_score, r_reason = 6.0, "no rim or hair light: edges rely on the backdrop alone"
    comps.append(RatingComponent(name="rim_presence", score=r_score, weight=1, reason=r_reason))

    key = key_light(setup)
    if setup.subject.kind == SubjectKind.PRODUCT:
        comps.append(
            RatingComponent(
                name="catchlight", score=10.0, weight=0, reason="not applicable to a product"
            )
        )
    elif key is None:
        comps.append(RatingComponent(name="catchlight", score=2.0, weight=1, reason="no key light"))
    else:
        az = abs(key[1].direction.azimuth - setup.subject.head_turn_deg)
        el = key[1].direction.elevation
        if el < 0:
            k_score, k_reason = (
                3.0,
                f"key {-el:.0f}° below eye level: catchlight low in the eye, unnatural",
            )
        elif el > 60:
            k_score, k_reason = (
                4.0,
                f"key {el:.0f}° up: the brows hide the catchlights (dark eye sockets)",
            )
        elif az > 75:
            k_score, k_reason = 5.0, f"key {az:.0f}° to the side: a catchlight in one eye at most"
        else:
            k_score, k_reason = (
                10.0,
                f"key {az:.0f}° off the face axis and {el:.0f}° up: catchlights at 10–2 o'clock",
            )
        comps.append(RatingComponent(name="catchlight", score=k_score, weight=1, reason=k_reason))

    cam = setup.camera
    needed = cam.aperture**2 * INCIDENT_METER_C / (cam.iso * cam.shutter_s)
    lit = sum(fl.lit_cheek.values())
    if lit <= 0:
        comps.append(
            RatingComponent(
                name="exposure_headroom", score=1.0, weight=1, reason="no light on the face"
            )
        )
    else:
        err = math.log2(lit / needed)
        e_score = max(1.0, 10 - 4 * max(0.0, abs(err) - 0.3))
        reason = f"lit cheek meters {err:+.1f} stops against f/{cam.aperture:g}"
        key_int = key[1].intensity if key else 0.0
        if key_int >= 0.95:
            e_score = max(1.0, e_score - 2)
            reason += f"; key at {key_int:.0%} power leaves no room to go brighter"
        else:
            reserve = math.log2(1 / max(key_int, 1e-3))
            reason += f"; key at {key_int:.0%} power, {reserve:.1f} stops in reserve"
        comps.append(
            RatingComponent(
                name="exposure_headroom", score=round(e_score, 1), weight=1, reason=reason
            )
        )

    total_w = sum(c.weight for c in comps)
    score = sum(c.score * c.weight for c in comps) / total_w
    return Rating(score=round(min(10.0, max(1.0, score)), 1), components=comps)

"""`analyze(setup)`: what a lighting setup does, how a professional would rate it, what to change.

Everything here is computed from the setup by the physics modules, deterministically (no
randomness, no clock), and every number comes with the reason it has:

- ratios: the key:fill ratio (`physics.face.face_light`), in stops, as 2^stops:1 and as
  (key+fill):fill, plus the face contrast (every light on the lit cheek against every light on
  the shadow cheek: what the camera and the preview renderer see);
- per-light incident meter readings (`physics.meter`) and shadow edges (`physics.softness`);
- the named pattern the setup is closest to (`presets.PRESETS`), with a confidence;
- a rating 1–10 as the weighted mean of named components, each scored 0–10 with its reason;
- colour harmony in mireds; recommendations whose numbers are solved from the model.

Units: angles in degrees (schema convention), distances in metres, ratios in stops unless
labelled otherwise, colour temperature in kelvin, mireds = 1e6 / K.
"""

from __future__ import annotations

import math
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from prolight.domain.physics.face import FaceLight, Ratio, face_light, key_light
from prolight.domain.physics.kelvin import mired, mix_kelvin
from prolight.domain.physics.meter import MeterReading, meter_readings
from prolight.domain.physics.photometry import INCIDENT_METER_C, on_axis_lux
from prolight.domain.physics.softness import shadow_edge
from prolight.domain.presets import PRESETS
from prolight.domain.schema import Light, LightingSetup, Modifier, Role, SubjectKind

__all__ = [
    "INTENTS",
    "Analysis",
    "ColourHarmony",
    "Intent",
    "LightColour",
    "PatternCandidate",
    "PatternMatch",
    "Rating",
    "RatingComponent",
    "RatioReport",
    "Ratios",
    "Recommendation",
    "ShadowReport",
    "analyze",
    "background_stops",
]

_FROZEN = ConfigDict(frozen=True)
_UNBOUNDED_STOPS = 6.0  # a ratio with nothing on the shadow side counts as this many stops
_SKIN_REFLECTANCE = 0.35  # average skin, for comparing the backdrop's brightness with the face
_MIXED_MIRED = 20.0  # mired difference a viewer starts to see as a colour cast between lights
_DELIBERATE_MIRED = 100.0  # an accent this far off reads as a creative choice, not a mistake
_ACCENT_ROLES = (Role.RIM, Role.KICKER, Role.HAIR, Role.BACKGROUND)
_COLOUR_WORDS = ("mixed", "teal", "orange", "colour", "color", "gel", "cinematic", "neon",
                 "tungsten", "sunset", "golden", "warm", "cool", "cold", "blue")  # fmt: skip


# ------------------------------------------------------------------ models


class RatioReport(BaseModel):
    """One ratio in the three conventions; all None when the dim side gets no light."""

    model_config = _FROZEN

    stops: float | None = Field(description="log2(bright / dim): the canonical form.")
    ratio: float | None = Field(description="2^stops, read as 'ratio:1' (2:1 = 1 stop).")
    key_plus_fill_to_fill: float | None = Field(description="(key + fill) : fill, read 'value:1'.")
    label: str
    explanation: str


class Ratios(BaseModel):
    """The key:fill ratio (the photographer's convention) and the face contrast (what is seen)."""

    model_config = _FROZEN

    key_fill: RatioReport
    face_contrast: RatioReport
    judged_stops: float | None = Field(
        description="The ratio the rating and recommendations use: key:fill, or the face "
        "contrast when nothing fills the shadow side; None = unbounded."
    )
    judged_from: str


class ShadowReport(BaseModel):
    """One light's shadow edge (reference occluder: the nose, 30 mm from the cheek)."""

    model_config = _FROZEN

    role: Role
    apparent_angle_deg: float
    penumbra_mm: float
    softness: float = Field(description="0 hard … 1 very soft, from the penumbra width.")
    quality: str


class PatternCandidate(BaseModel):
    """A preset and how well the setup matches its geometry (1 = exactly)."""

    model_config = _FROZEN

    name: str
    title: str
    match: float


class PatternMatch(BaseModel):
    """The named pattern closest to the setup."""

    model_config = _FROZEN

    name: str
    title: str
    confidence: float = Field(description="0–1: the match, discounted when a runner-up is close.")
    reason: str
    alternatives: list[PatternCandidate]


class RatingComponent(BaseModel):
    """One named part of the rating."""

    model_config = _FROZEN

    name: str
    score: float = Field(description="0–10.")
    weight: float
    reason: str


class Rating(BaseModel):
    """A professional's 1–10: the weighted mean of the components."""

    model_config = _FROZEN

    score: float
    components: list[RatingComponent]


class LightColour(BaseModel):
    """One light's colour: kelvin after its gel, and mireds."""

    model_config = _FROZEN

    role: Role
    kelvin: float
    mired: float


class ColourHarmony(BaseModel):
    """How the lights' colour temperatures sit together, in mireds."""

    model_config = _FROZEN

    lights: list[LightColour]
    mired_spread: float = Field(description="Warmest minus coolest light, in mireds.")
    face_kelvin: float = Field(description="The mix on the face (weighted by lux), in kelvin.")
    white_balance_k: float
    shift_mired: float = Field(description="Face mix minus white balance in mireds (+ = warm).")
    mood: str = Field(description="warm / neutral / cool, as the white-balanced camera sees it.")
    deliberate_mix: bool
    warnings: list[str]


class Recommendation(BaseModel):
    """A concrete change. `field`/`suggested` can be applied as they are; `expected_stops` is
    the judged ratio after applying it, computed by the model."""

    model_config = _FROZEN

    message: str
    field: str | None = None
    current: float | None = None
    suggested: float | None = None
    expected_stops: float | None = None


class Intent(BaseModel):
    """What the setup is for, and the ratio range (stops) that suits it."""

    model_config = _FROZEN

    name: str
    min_stops: float
    max_stops: float | None  # None: no upper bound (low-key, dramatic)
    target_stops: float
    source: str


class Analysis(BaseModel):
    """Everything `analyze` finds out about a setup (see module doc)."""

    model_config = _FROZEN

    key_role: Role | None
    ratios: Ratios
    meter: dict[Role, MeterReading]
    shadows: list[ShadowReport]
    background_stops: float = Field(
        description="Backdrop brightness against the lit cheek, in stops (+ brighter)."
    )
    pattern: PatternMatch
    intent: Intent
    rating: Rating
    colour: ColourHarmony
    recommendations: list[Recommendation]
    warnings: list[str]


# ------------------------------------------------------------------ intents

# (min stops, max stops or None, target stops, what a photographer calls it)
INTENTS: dict[str, tuple[float, float | None, float, str]] = {
    "high_key": (0.0, 1.0, 0.6, "high-key (1:1–2:1)"),
    "beauty": (0.0, 1.6, 1.0, "beauty (up to 3:1)"),
    "portrait": (1.0, 2.6, 1.6, "classic portrait (2:1–6:1)"),
    "fashion": (1.5, 4.0, 2.5, "fashion (3:1–16:1)"),
    "dramatic": (2.5, None, 3.0, "dramatic (6:1 and up)"),
    "low_key": (3.0, None, 3.5, "low-key (8:1 and up)"),
    "product": (1.0, 3.0, 1.5, "product (2:1–8:1)"),
}
"""Ratio ranges in stops for each intent (facts: high-key ~1:1–2:1, low-key ≥ 8:1)."""

# Checked in order: "dramatic fashion" is dramatic, "high-key beauty" is high-key.
_STYLE_WORDS = (
    ("low_key", ("low-key", "low key", "lowkey", "noir", "chiaroscuro")),
    ("high_key", ("high-key", "high key", "highkey", "airy", "bright")),
    ("dramatic", ("dramatic", "moody", "cinematic", "dark", "edgy", "contrast")),
    ("beauty", ("beauty", "glamour", "glamor", "soft", "flattering")),
    ("fashion", ("fashion", "editorial")),
    ("product", ("product", "commercial", "packshot", "e-commerce")),
    ("portrait", ("portrait", "classic", "headshot", "corporate")),
)
_PATTERN_INTENT = {
    "butterfly": "beauty", "clamshell": "beauty", "loop": "portrait", "rembrandt": "dramatic",
    "split": "dramatic", "broad": "portrait", "short": "portrait",
    "rim_lit_dramatic_fashion": "dramatic", "soft_beauty_portrait": "beauty",
    "high_key": "high_key", "low_key": "low_key", "product_tabletop": "product",
}  # fmt: skip


def _intent(setup: LightingSetup, pattern: str) -> Intent:
    style = (setup.style or "").lower()
    name, source = None, ""
    for candidate, words in _STYLE_WORDS:
        hit = next((w for w in words if w in style), None)
        if hit:
            name, source = candidate, f"the stated style {setup.style!r} ({hit!r})"
            break
    if name is None:
        name = _PATTERN_INTENT.get(pattern, "portrait")
        source = (
            f"no style stated; judged as the {pattern.replace('_', ' ')} pattern's usual intent"
        )
        if setup.subject.kind == SubjectKind.PRODUCT:
            name, source = "product", "no style stated; the subject is a product"
    lo, hi, target, _ = INTENTS[name]
    return Intent(name=name, min_stops=lo, max_stops=hi, target_stops=target, source=source)


# ------------------------------------------------------------------ ratios


def _report(ratio: Ratio | None, what: str) -> RatioReport:
    if ratio is None:
        return RatioReport(
            stops=None,
            ratio=None,
            key_plus_fill_to_fill=None,
            label="unbounded (nothing lights the shadow side)",
            explanation=what,
        )
    return RatioReport(
        stops=round(ratio.stops, 3),
        ratio=round(ratio.ratio, 3),
        key_plus_fill_to_fill=round(ratio.key_plus_fill_to_fill, 3),
        label=ratio.label(),
        explanation=what,
    )


def _judged(fl: FaceLight) -> tuple[float | None, str]:
    if fl.key_fill is not None:
        return fl.key_fill.stops, "key_fill"
    if fl.face_contrast is not None:
        return fl.face_contrast.stops, "face_contrast"
    return None, "none (unbounded)"


def _ratios(fl: FaceLight) -> Ratios:
    judged, source = _judged(fl)
    return Ratios(
        key_fill=_report(
            fl.key_fill,
            "The key's light on the lit cheek against every other light on the shadow cheek "
            "(the photographer's key:fill, as metered light by light).",
        ),
        face_contrast=_report(
            fl.face_contrast,
            "All light on the lit cheek against all light on the shadow cheek, the key's spill "
            "included: the contrast the camera records and the preview renderer measures.",
        ),
        judged_stops=None if judged is None else round(judged, 3),
        judged_from=source,
    )


# ------------------------------------------------------------------ backdrop


def _backdrop_reflectance(colour: str) -> float:
    # Relative luminance of the sRGB backdrop colour: how much light the backdrop returns.
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return max(0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2], 1e-3)


def background_stops(setup: LightingSetup, fl: FaceLight | None = None) -> float:
    """Backdrop brightness relative to the lit cheek, in stops, clamped to −6…+3.

    Backdrop light: background lights (their `distance` is to the backdrop) plus the front
    lights' spill, which travels `background.distance_m` further (inverse square), plus ambient;
    times the backdrop colour's reflectance. Face: everything on the lit cheek times average
    skin reflectance (0.35).
    """
    fl = fl or face_light(setup)
    gap = setup.background.distance_m
    backdrop = 0.0
    for role, light in setup.enabled_lights().items():
        lux = on_axis_lux(light)
        if role in (Role.BACKGROUND, Role.AMBIENT):
            backdrop += lux
        elif abs(light.direction.azimuth) <= 100:  # lights behind the subject face away from it
            backdrop += lux * (light.distance / (light.distance + gap)) ** 2
    face = sum(fl.lit_cheek.values())
    if backdrop <= 0 or face <= 0:
        return -6.0 if face > 0 else 3.0
    refl = _backdrop_reflectance(setup.background.color)
    return max(-6.0, min(3.0, math.log2(backdrop * refl / (face * _SKIN_REFLECTANCE))))


# ------------------------------------------------------------------ pattern


def _separation_lights(setup: LightingSetup) -> list[Role]:
    return [
        role
        for role, light in setup.enabled_lights().items()
        if role in (Role.RIM, Role.KICKER, Role.HAIR)
        or (role not in (Role.BACKGROUND, Role.AMBIENT) and abs(light.direction.azimuth) > 100)
    ]


# Feature scales: a difference of one scale unit costs as much as any other.
_SCALES = {"az": 15.0, "el": 15.0, "ratio": 1.0, "under": 0.5, "rim": 0.7, "bg": 1.5, "soft": 0.25}


def _features(setup: LightingSetup, fl: FaceLight) -> dict[str, float]:
    key = key_light(setup)
    if key is None:
        return {}
    _, kl = key
    turn = setup.subject.head_turn_deg
    if abs(turn) >= 10:
        # Turned head: signed angle from the face's axis, + on the near (broad) side.
        az = (kl.direction.azimuth - turn) * (1.0 if turn < 0 else -1.0)
    else:
        az = abs(kl.direction.azimuth)
    judged, _ = _judged(fl)
    under = any(
        role not in (key[0], Role.BACKGROUND, Role.AMBIENT)
        and lt.direction.elevation <= -20
        and abs(lt.direction.azimuth) <= 30
        for role, lt in setup.enabled_lights().items()
    )
    return {
        "az": az,
        "el": kl.direction.elevation,
        "ratio": min(max(judged if judged is not None else _UNBOUNDED_STOPS, -1.0), 5.0),
        "under": float(under),
        "rim": float(min(len(_separation_lights(setup)), 2)),
        "bg": background_stops(setup, fl),
        "soft": shadow_edge(kl).softness,
    }


def _group(setup: LightingSetup) -> str:
    if setup.subject.kind == SubjectKind.PRODUCT:
        return "product"
    return "turned" if abs(setup.subject.head_turn_deg) >= 10 else "portrait"


@cache
def _prototypes() -> dict[str, tuple[str, dict[str, float]]]:
    # Each preset's own features: a setup that *is* a preset sits at distance 0 from it.
    return {
        name: (_group(p.setup), _features(p.setup, face_light(p.setup)))
        for name, p in PRESETS.items()
    }


def _pattern(setup: LightingSetup, fl: FaceLight) -> PatternMatch:
    feats = _features(setup, fl)
    if not feats:
        return PatternMatch(
            name="ambient_only",
            title="Ambient only",
            confidence=0.0,
            reason="no light faces the subject (only ambient or background lights)",
            alternatives=[],
        )
    group = _group(setup)
    scored: list[tuple[float, str]] = []
    for name, (proto_group, proto) in _prototypes().items():
        if proto_group != group:
            continue
        d2 = sum(((feats[k] - proto[k]) / s) ** 2 for k, s in _SCALES.items())
        scored.append((math.exp(-d2 / 4), name))
    scored.sort(key=lambda t: (-t[0], t[1]))
    best_match, best = scored[0]
    second = scored[1][0] if len(scored) > 1 else 0.0
    confidence = best_match * (1 - 0.5 * second / best_match) if best_match > 0 else 0.0
    where = {
        "product": "a product subject, compared with product setups",
        "turned": "a turned head: broad or short, by which side of the face the key lights",
        "portrait": "a portrait facing the camera, compared with every portrait pattern",
    }[group]
    return PatternMatch(
        name=best,
        title=PRESETS[best].title,
        confidence=round(confidence, 2),
        reason=f"{where}; key at {feats['az']:.0f}° (from the face axis) and "
        f"{feats['el']:.0f}° up, ratio {feats['ratio']:.1f} stops, "
        f"{int(feats['rim'])} separation light(s), backdrop {feats['bg']:+.1f} stops",
        alternatives=[
            PatternCandidate(name=n, title=PRESETS[n].title, match=round(m, 3))
            for m, n in scored[1:4]
        ],
    )


# ------------------------------------------------------------------ colour


def _colour(setup: LightingSetup, fl: FaceLight) -> ColourHarmony:
    lights = setup.enabled_lights()
    colours = [
        LightColour(
            role=r, kelvin=round(lt.effective_kelvin, 1), mired=round(mired(lt.effective_kelvin), 1)
        )
        for r, lt in lights.items()
    ]
    mireds = {c.role: mired(lights[c.role].effective_kelvin) for c in colours}
    spread = max(mireds.values()) - min(mireds.values())
    weights = {r: fl.lit_cheek.get(r, 0.0) + fl.shadow_cheek.get(r, 0.0) for r in lights}
    face_roles = [r for r in lights if weights[r] > 0]
    if face_roles:
        face_k = mix_kelvin(
            [lights[r].effective_kelvin for r in face_roles], [weights[r] for r in face_roles]
        )
    else:
        face_k = lights[next(iter(lights))].effective_kelvin
    wb = setup.camera.white_balance_k
    shift = mired(face_k) - mired(wb)
    mood = "warm" if shift > _MIXED_MIRED else "cool" if shift < -_MIXED_MIRED else "neutral"

    key_role = fl.key_role
    key_m = mireds.get(key_role, mired(face_k))
    face_lights = [r for r in lights if r not in _ACCENT_ROLES and r != key_role]
    style = (setup.style or "").lower()
    gelled = any(lt.gel is not None for lt in lights.values())
    accent_off = [
        r for r in lights if r in _ACCENT_ROLES and abs(mireds[r] - key_m) >= _DELIBERATE_MIRED
    ]
    deliberate = gelled or any(w in style for w in _COLOUR_WORDS) or bool(accent_off)
    warnings: list[str] = []
    for r in face_lights:
        diff = mireds[r] - key_m
        if abs(diff) < _MIXED_MIRED or deliberate:
            continue
        gel = (
            f"{-diff / 137:.2g} CTB ({-diff:+.0f} mired)"
            if diff > 0
            else f"{-diff / 159:.2g} CTO ({-diff:+.0f} mired)"
        )
        warnings.append(
            f"mixed colour temperatures on the face: {r.value} {lights[r].effective_kelvin:.0f} K "
            f"vs key {lights[key_role].effective_kelvin:.0f} K ({abs(diff):.0f} mired apart); "
            f"set the {r.value} to {lights[key_role].effective_kelvin:.0f} K or gel it with {gel}"
        )
    if abs(shift) > 150:
        warnings.append(
            f"the face mix is {face_k:.0f} K under a {wb:.0f} K white balance "
            f"({shift:+.0f} mired): a strong {'orange' if shift > 0 else 'blue'} cast"
        )
    return ColourHarmony(
        lights=colours,
        mired_spread=round(spread, 1),
        face_kelvin=round(face_k, 1),
        white_balance_k=wb,
        shift_mired=round(shift, 1),
        mood=mood,
        deliberate_mix=deliberate and spread >= _MIXED_MIRED,
        warnings=warnings,
    )


# ------------------------------------------------------------------ rating


def _in_range(stops: float | None, intent: Intent) -> float:
    """Distance in stops outside the intent's range (0 inside)."""
    value = _UNBOUNDED_STOPS if stops is None else stops
    if value < intent.min_stops:
        return intent.min_stops - value
    if intent.max_stops is not None and value > intent.max_stops:
        return value - intent.max_stops
    return 0.0


def _fmt_stops(stops: float | None) -> str:
    return "unbounded (no fill)" if stops is None else f"{stops:.1f} stops"


def _rating(
    setup: LightingSetup,
    ratios: Ratios,
    intent: Intent,
    colour: ColourHarmony,
    bg: float,
    meter: dict[Role, MeterReading],
    fl: FaceLight,
) -> Rating:
    comps: list[RatingComponent] = []
    judged = ratios.judged_stops
    off = _in_range(judged, intent)
    hi = "∞" if intent.max_stops is None else f"{intent.max_stops:g}"
    comps.append(
        RatingComponent(
            name="ratio_suits_intent",
            score=round(max(0.0, 10 - 4 * off), 1),
            weight=3,
            reason=f"{_fmt_stops(judged)} for {INTENTS[intent.name][3]}, which wants "
            f"{intent.min_stops:g}–{hi} stops ({intent.source})"
            + ("" if off == 0 else f"; {off:.1f} stops outside"),
        )
    )

    if colour.mired_spread < _MIXED_MIRED:
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
        c_score = max(1.0, 10 - (colour.mired_spread - _MIXED_MIRED) / 10)
        c_reason = f"{colour.mired_spread:.0f} mired spread between face lights looks accidental"
    comps.append(
        RatingComponent(
            name="colour_consistency", score=round(c_score, 1), weight=2, reason=c_reason
        )
    )

    seps = _separation_lights(setup)
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


# ------------------------------------------------------------------ recommendations


def _with_light(setup: LightingSetup, role: Role, light: Light) -> LightingSetup:
    lighting = dict(setup.lighting)
    lighting[role] = light
    return setup.model_copy(update={"lighting": lighting})


def _key_fill_stops(setup: LightingSetup) -> float | None:
    ratio = face_light(setup).key_fill
    return None if ratio is None else ratio.stops


def _fill_role(setup: LightingSetup, fl: FaceLight) -> Role | None:
    lights = setup.enabled_lights()
    if Role.FILL in lights and fl.key_role != Role.FILL:
        return Role.FILL
    candidates = [
        (lux, r)
        for r, lux in fl.shadow_cheek.items()
        if r not in (fl.key_role, Role.AMBIENT, Role.BACKGROUND, *_ACCENT_ROLES) and lux > 0
    ]
    return max(candidates)[1] if candidates else None


def _solve_fill(
    setup: LightingSetup, fl: FaceLight, role: Role, target: float
) -> Recommendation | None:
    """Intensity (or, past full power, distance) of `role` that gives key:fill = `target` stops."""
    light = setup.lighting[role]
    key_lux = fl.lit_cheek.get(fl.key_role, 0.0)
    own = fl.shadow_cheek.get(role, 0.0)
    others = sum(v for r, v in fl.shadow_cheek.items() if r not in (fl.key_role, role))
    wanted = key_lux / 2**target - others  # lux this light must put on the shadow cheek
    now = _fmt_stops(None if fl.key_fill is None else fl.key_fill.stops)
    if key_lux <= 0 or own <= 0:
        return None
    if wanted <= 0:
        return Recommendation(
            message=f"key:fill is {now}; other lights already fill more than a {target:g}-stop "
            f"ratio allows: switch the {role.value} off and reduce ambient or spill",
            field=f"lighting.{role.value}.enabled",
        )
    intensity = light.intensity * wanted / own  # irradiance is linear in power
    if intensity <= 1.0:
        suggested = round(max(intensity, 0.001), 3)
        new = light.model_copy(update={"intensity": suggested})
        after = _key_fill_stops(_with_light(setup, role, new))
        verb = "raise" if suggested > light.intensity else "lower"
        return Recommendation(
            message=f"{role.value} is {now} under the key; {verb} its intensity from "
            f"{light.intensity:g} to {suggested:g} for a {target:g}-stop ratio "
            f"({2**target:.1f}:1)",
            field=f"lighting.{role.value}.intensity",
            current=light.intensity,
            suggested=suggested,
            expected_stops=None if after is None else round(after, 2),
        )
    # Past full power: full power and move it closer. Irradiance goes as 1/d², but the disc
    # model changes a little with distance, so correct the first guess a few times.
    full = light.model_copy(update={"intensity": 1.0})
    distance = light.distance
    for _ in range(4):
        probe = full.model_copy(update={"distance": distance})
        got = face_light(_with_light(setup, role, probe)).shadow_cheek.get(role, 0.0)
        if got <= 0:
            return None
        distance = max(0.3, distance * math.sqrt(got / wanted))
    suggested = round(distance, 2)
    after = _key_fill_stops(
        _with_light(setup, role, full.model_copy(update={"distance": suggested}))
    )
    return Recommendation(
        message=f"{role.value} is {now} under the key and at full power would still be short: "
        f"set it to intensity 1 and move it from {light.distance:g} m to {suggested:g} m for a "
        f"{target:g}-stop ratio ({2**target:.1f}:1)",
        field=f"lighting.{role.value}.distance",
        current=light.distance,
        suggested=suggested,
        expected_stops=None if after is None else round(after, 2),
    )


def _recommendations(
    setup: LightingSetup, fl: FaceLight, ratios: Ratios, intent: Intent, bg: float
) -> list[Recommendation]:
    recs: list[Recommendation] = []
    judged = ratios.judged_stops
    off = _in_range(judged, intent)
    key = key_light(setup)
    if off > 0.15 and key is not None:
        too_contrasty = judged is None or judged > intent.min_stops
        role = _fill_role(setup, fl)
        rec = _solve_fill(setup, fl, role, intent.target_stops) if role else None
        if rec is not None:
            recs.append(rec)
        elif too_contrasty:
            side = "left" if key[1].direction.azimuth >= 0 else "right"
            az = max(20.0, min(60.0, abs(key[1].direction.azimuth)))
            fill = Light.model_validate(
                {
                    "role": "fill",
                    "intensity": 0.5,
                    "modifier": Modifier.SOFTBOX.value,
                    "softness": 0.65,
                    "distance": 1.5,
                    "direction": {
                        "azimuth": -math.copysign(az, key[1].direction.azimuth),
                        "elevation": 0,
                    },
                }
            )
            trial = _with_light(setup, Role.FILL, fill)
            solved = _solve_fill(trial, face_light(trial), Role.FILL, intent.target_stops)
            if solved is not None and solved.field == "lighting.fill.intensity":
                recs.append(
                    Recommendation(
                        message=f"nothing fills the shadow side ({_fmt_stops(judged)}); add a "
                        f"softbox fill {az:.0f}° camera-{side} at eye level, 1.5 m away, intensity "
                        f"{solved.suggested:g} for a {intent.target_stops:g}-stop ratio",
                        field="lighting.fill",
                        suggested=solved.suggested,
                        expected_stops=solved.expected_stops,
                    )
                )
        elif key is not None and abs(key[1].direction.azimuth) < 30:
            side = "right" if key[1].direction.azimuth >= 0 else "left"
            recs.append(
                Recommendation(
                    message=f"the face is evenly lit ({_fmt_stops(judged)}) for "
                    f"{INTENTS[intent.name][3]}: move the key from "
                    f"{abs(key[1].direction.azimuth):.0f}° "
                    f"to 45° camera-{side} and drop the fill",
                    field=f"lighting.{key[0].value}.direction",
                    current=key[1].direction.azimuth,
                    suggested=45.0 if side == "right" else -45.0,
                )
            )
    if intent.name == "high_key" and bg < 1.0:
        recs.append(
            Recommendation(
                message=f"high-key wants the backdrop about 1 stop over the face; it is {bg:+.1f} "
                f"stops: add or raise a background light by {1.0 - bg:.1f} stops",
                field="lighting.background.intensity",
            )
        )
    if (
        not _separation_lights(setup)
        and -1.0 < bg < 1.0
        and setup.subject.kind == SubjectKind.PORTRAIT
    ):
        recs.append(
            Recommendation(
                message=f"the backdrop is only {bg:+.1f} stops from the face: add a rim light "
                "behind the subject opposite the key, or light the backdrop 1–2 stops brighter",
            )
        )
    cam = setup.camera
    if "portrait" in cam.lens_type.lower() and cam.fov_deg > 40:
        recs.append(
            Recommendation(
                message=f"the camera's field of view is {cam.fov_deg:.0f}° "
                f"({cam.focal_length_mm:.0f} mm on full frame), a wide angle, but the lens is "
                f"called {cam.lens_type!r}: a portrait "
                "lens is 85–135 mm (fov 15–24°); set focal_length_mm to 85",
                field="camera.focal_length_mm",
                current=round(cam.focal_length_mm, 1),
                suggested=85.0,
            )
        )
    return recs


def _warnings(setup: LightingSetup, meter: dict[Role, MeterReading]) -> list[str]:
    out: list[str] = []
    cam = setup.camera
    if "portrait" in cam.lens_type.lower() and cam.fov_deg > 40:
        out.append(
            f"fov {cam.fov_deg:.0f}° is a {cam.focal_length_mm:.0f} mm wide angle on a 'portrait' "
            "lens: faces near the edges stretch and noses grow"
        )
    for role, m in meter.items():
        if role != Role.BACKGROUND and m.stops_vs_camera is not None and m.stops_vs_camera > 1.0:
            out.append(
                f"{role.value} alone meters {m.display} against f/{cam.aperture:g}: "
                f"{m.stops_vs_camera:.1f} stops over — highlights will clip"
            )
    return out


# ------------------------------------------------------------------ entry point


def analyze(setup: LightingSetup) -> Analysis:
    """Analyse a lighting setup (see module doc). Deterministic: equal setups, equal results."""
    fl = face_light(setup)
    ratios = _ratios(fl)
    meter = meter_readings(setup)
    bg = background_stops(setup, fl)
    pattern = _pattern(setup, fl)
    intent = _intent(setup, pattern.name)
    colour = _colour(setup, fl)
    shadows = []
    for role, light in setup.enabled_lights().items():
        edge = shadow_edge(light)
        shadows.append(
            ShadowReport(
                role=role,
                apparent_angle_deg=round(edge.apparent_angle_deg, 1),
                penumbra_mm=round(edge.penumbra_mm, 1),
                softness=round(edge.softness, 3),
                quality=edge.quality,
            )
        )
    key = key_light(setup)
    return Analysis(
        key_role=key[0] if key else None,
        ratios=ratios,
        meter=meter,
        shadows=shadows,
        background_stops=round(bg, 2),
        pattern=pattern,
        intent=intent,
        rating=_rating(setup, ratios, intent, colour, bg, meter, fl),
        colour=colour,
        recommendations=_recommendations(setup, fl, ratios, intent, bg),
        warnings=_warnings(setup, meter),
    )

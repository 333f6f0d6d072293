"""Concrete changes for a setup, their numbers solved from the model, and its warnings."""

from __future__ import annotations

import math

from prolight.domain.analysis.intent import INTENTS
from prolight.domain.analysis.ratios import (
    fmt_stops,
    in_range,
)
from prolight.domain.analysis.report import (
    Intent,
    Ratios,
    Recommendation,
)
from prolight.domain.analysis.separation import separation_lights
from prolight.domain.physics.face import FaceLight, face_light, key_light
from prolight.domain.physics.meter import MeterReading
from prolight.domain.schema import Light, LightingSetup, Modifier, Role, SubjectKind
from prolight.domain.vocabulary import (
    ACCENT_ROLES,
)

__all__ = ["recommend", "warnings_for"]


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
        if r not in (fl.key_role, Role.AMBIENT, Role.BACKGROUND, *ACCENT_ROLES) and lux > 0
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
    now = fmt_stops(None if fl.key_fill is None else fl.key_fill.stops)
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


def recommend(
    setup: LightingSetup, fl: FaceLight, ratios: Ratios, intent: Intent, bg: float
) -> list[Recommendation]:
    """What to change so the ratio suits the intent, the backdrop separates, the lens fits."""
    recs: list[Recommendation] = []
    judged = ratios.judged_stops
    off = in_range(judged, intent)
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
                        message=f"nothing fills the shadow side ({fmt_stops(judged)}); add a "
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
                    message=f"the face is evenly lit ({fmt_stops(judged)}) for "
                    f"{INTENTS[intent.name].label}: move the key from "
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
        not separation_lights(setup)
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


def warnings_for(setup: LightingSetup, meter: dict[Role, MeterReading]) -> list[str]:
    """A wide angle called a portrait lens; a light that alone clips the highlights."""
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

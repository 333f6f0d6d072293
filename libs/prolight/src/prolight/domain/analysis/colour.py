"""How the lights' colour temperatures sit together, in mireds (1e6 / K)."""

from __future__ import annotations

from prolight.domain.analysis.report import (
    ColourHarmony,
    LightColour,
)
from prolight.domain.physics.face import FaceLight
from prolight.domain.physics.kelvin import mired, mix_kelvin
from prolight.domain.schema import LightingSetup
from prolight.domain.vocabulary import (
    ACCENT_ROLES,
    COLOUR_STYLE_WORDS,
)

__all__ = ["MIXED_MIRED", "colour_harmony"]

MIXED_MIRED = 20.0
"""Mired difference a viewer starts to see as a colour cast between lights."""

_DELIBERATE_MIRED = 100.0  # an accent this far off reads as a creative choice, not a mistake


def colour_harmony(setup: LightingSetup, fl: FaceLight) -> ColourHarmony:
    """Each light's colour, the mix on the face, the mood, and warnings about casts."""
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
    mood = "warm" if shift > MIXED_MIRED else "cool" if shift < -MIXED_MIRED else "neutral"

    key_role = fl.key_role
    key_m = mireds.get(key_role, mired(face_k))
    face_lights = [r for r in lights if r not in ACCENT_ROLES and r != key_role]
    style = (setup.style or "").lower()
    gelled = any(lt.gel is not None for lt in lights.values())
    accent_off = [
        r for r in lights if r in ACCENT_ROLES and abs(mireds[r] - key_m) >= _DELIBERATE_MIRED
    ]
    deliberate = gelled or any(w in style for w in COLOUR_STYLE_WORDS) or bool(accent_off)
    warnings: list[str] = []
    for r in face_lights:
        diff = mireds[r] - key_m
        if abs(diff) < MIXED_MIRED or deliberate:
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
        deliberate_mix=deliberate and spread >= MIXED_MIRED,
        warnings=warnings,
    )

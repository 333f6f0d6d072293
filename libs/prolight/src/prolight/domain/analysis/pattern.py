"""The named pattern (`presets.PRESETS`) a setup is closest to, by its geometry, with a confidence.

Each setup is reduced to a few features (the key's angle from the face axis and height, the
judged ratio, a light from below, separation lights, the backdrop, the key's softness) and
compared with every preset of its group (facing the camera, turned head, product).
"""

from __future__ import annotations

import math
from functools import cache

from prolight.domain.analysis.ratios import (
    UNBOUNDED_STOPS,
    judged_ratio,
)
from prolight.domain.analysis.report import (
    PatternCandidate,
    PatternMatch,
)
from prolight.domain.analysis.separation import background_stops, separation_lights
from prolight.domain.physics.face import FaceLight, face_light, key_light
from prolight.domain.physics.softness import shadow_edge
from prolight.domain.presets import PRESETS
from prolight.domain.schema import LightingSetup, Role, SubjectKind

__all__ = ["match_pattern"]

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
    judged, _ = judged_ratio(fl)
    under = any(
        role not in (key[0], Role.BACKGROUND, Role.AMBIENT)
        and lt.direction.elevation <= -20
        and abs(lt.direction.azimuth) <= 30
        for role, lt in setup.enabled_lights().items()
    )
    return {
        "az": az,
        "el": kl.direction.elevation,
        "ratio": min(max(judged if judged is not None else UNBOUNDED_STOPS, -1.0), 5.0),
        "under": float(under),
        "rim": float(min(len(separation_lights(setup)), 2)),
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


def match_pattern(setup: LightingSetup, fl: FaceLight) -> PatternMatch:
    """The closest pattern, its confidence, the reason and the runners-up."""
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

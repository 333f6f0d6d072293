"""Refine deltas: what the next iteration changes, and why, from the evaluator's findings.

    RefinePlanner     the seam: `propose(prompt, findings)` → proposed `Delta`s. The finite
                      planner below is the default; an LLM planner (Gemini) would implement the
                      same method and go through the same `apply_deltas`.
    FinitePlanner     deterministic rules on the best candidate's lighting components:
                      - ratio: measured face contrast vs requested, beyond `RATIO_DEADBAND`
                        stops → the fill (else the key, the other way) moves by the error,
                        at most `MAX_STEP_STOPS`;
                      - colour: score under `COLOUR_ACT_SCORE` → the key's kelvin moves against
                        the warm/cool shift, at most `MAX_STEP_MIRED`;
                      - exposure: more than `CLIP_ACT_PCT` % clipped → the key a third stop down.
    apply_deltas      validation every proposal goes through: only `lighting.<role>.<field>`
                      for intensity, kelvin, softness and distance; each clamped to the field's
                      range and to the per-step bound; locked paths dropped (and said so).

Same findings ⇒ same deltas: every number is rounded (intensity 4 decimals, kelvin 0.1 K) so
a run repeated from the same input walks the same iterations to the same final image.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from prolight.contracts.tasks import LightingFindings
from prolight.domain.refine import is_locked
from prolight.domain.schema import FiboPrompt, Role
from prolight.domain.schema.light import FULL_POWER, MIN_LIGHT_DISTANCE_M

__all__ = [
    "CLIP_ACT_PCT",
    "COLOUR_ACT_SCORE",
    "MAX_STEP_MIRED",
    "MAX_STEP_STOPS",
    "RATIO_DEADBAND",
    "Applied",
    "Delta",
    "FinitePlanner",
    "RefinePlanner",
    "apply_deltas",
]

RATIO_DEADBAND = 0.1
"""Stops of ratio error left alone (below what a photographer would correct)."""
MAX_STEP_STOPS = 0.5
"""Most a light's power moves in one refine step, in stops."""
COLOUR_ACT_SCORE = 0.7
"""Colour score below which the key's colour is corrected (skin alone reads ~0.1–0.25 cast)."""
MAX_STEP_MIRED = 20.0
"""Most a light's colour moves in one refine step, in mired."""
MIRED_PER_SHIFT = 100.0
"""Mired of correction per unit of the evaluator's `warm_shift` (log-chromaticity)."""
CLIP_ACT_PCT = 1.0
"""Percent of clipped pixels above which the key comes down a third of a stop."""

_FIELDS = {"intensity": (0.0, FULL_POWER), "kelvin": (1000.0, 20000.0), "softness": (0.0, 1.0),
           "distance": (MIN_LIGHT_DISTANCE_M, 30.0)}  # fmt: skip
"""Where a refine step may take each field: never past full power, never into the head. A
light the user set beyond a bound (1.1 power, an ambient at 0.1 m) is not pulled back to it."""
_MAX_SOFTNESS_STEP = 0.2
_MAX_DISTANCE_FACTOR = 1.25


@dataclass(frozen=True)
class Delta:
    """One proposed change: `lighting.<role>.<field>`, the value wanted, and why (in words)."""

    path: str
    value: float
    reason: str


@dataclass(frozen=True)
class Applied:
    """A delta as applied: the path, the value before and after (clamped), why, or why not."""

    path: str
    before: float | None
    after: float | None
    reason: str
    status: str  # applied | clamped | locked | invalid | unchanged

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RefinePlanner(Protocol):
    """Proposes the next iteration's deltas from the best candidate and its findings."""

    name: str

    def propose(self, prompt: FiboPrompt, findings: LightingFindings | None) -> list[Delta]:
        """Deltas for `prompt` (the best candidate) given its evaluation's lighting findings
        (None: the evaluator judged none)."""
        ...


class FinitePlanner:
    """The default, rule-based planner (module doc)."""

    name = "finite"

    def propose(self, prompt: FiboPrompt, findings: LightingFindings | None) -> list[Delta]:
        """Deltas for the ratio, the colour and the exposure findings, in that order."""
        findings = findings or LightingFindings()
        lights = prompt.scene.enabled_lights()
        locked = prompt.metadata.locked_fields
        out: list[Delta] = []
        key = lights.get(Role.KEY)
        key_stops = 0.0

        ratio = findings.ratio
        measured = ratio.measured_stops if ratio else None
        requested = ratio.requested_stops if ratio else None
        if measured is not None and requested is not None:
            error = measured - requested  # > 0: more contrast than asked
            if abs(error) > RATIO_DEADBAND:
                step = max(-MAX_STEP_STOPS, min(MAX_STEP_STOPS, error))
                fill = lights.get(Role.FILL)
                why = (
                    f"face contrast measured {measured:.2f} stops, asked {requested:.2f}: "
                    f"{'too contrasty' if error > 0 else 'too flat'} by {abs(error):.2f} stops"
                )
                if fill is not None and not is_locked("lighting.fill.intensity", locked):
                    value = fill.intensity * 2.0**step
                    out.append(
                        Delta("lighting.fill.intensity", value, f"{why}; fill {step:+.2f} stop")
                    )
                elif key is not None:
                    key_stops -= step
                    out.append(Delta(
                        "lighting.key.intensity", key.intensity * 2.0**key_stops,
                        f"{why}; no fill to move, key {-step:+.2f} stop"))  # fmt: skip

        colour = findings.colour
        if key is not None and colour is not None and colour.score < COLOUR_ACT_SCORE:
            score, shift = colour.score, colour.warm_shift
            mired = max(-MAX_STEP_MIRED, min(MAX_STEP_MIRED, -shift * MIRED_PER_SHIFT))
            if abs(mired) >= 1.0:
                kelvin = 1e6 / (1e6 / key.kelvin + mired)
                out.append(Delta(
                    "lighting.key.kelvin", kelvin,
                    f"colour cast {'warm' if shift > 0 else 'cool'} (score {score:.2f}): key "
                    f"{mired:+.0f} mired"))  # fmt: skip

        clipped = findings.exposure.clipped_pct if findings.exposure else None
        if key is not None and clipped is not None and clipped > CLIP_ACT_PCT:
            key_stops -= 1 / 3
            out = [d for d in out if d.path != "lighting.key.intensity"]
            out.append(Delta(
                "lighting.key.intensity", key.intensity * 2.0**key_stops,
                f"{clipped:.1f} % of pixels clipped: key −1/3 stop"))  # fmt: skip
        return out


def _bound(field: str, before: float, value: float) -> float:
    lo, hi = _FIELDS[field]
    lo, hi = min(lo, before), max(hi, before)
    if field == "intensity" and before > 0:
        factor = 2.0**MAX_STEP_STOPS
        value = min(before * factor, max(before / factor, value))
    elif field == "kelvin":
        mired = 1e6 / value - 1e6 / before
        mired = max(-MAX_STEP_MIRED, min(MAX_STEP_MIRED, mired))
        value = 1e6 / (1e6 / before + mired)
    elif field == "softness":
        value = min(before + _MAX_SOFTNESS_STEP, max(before - _MAX_SOFTNESS_STEP, value))
    elif field == "distance":
        value = min(before * _MAX_DISTANCE_FACTOR, max(before / _MAX_DISTANCE_FACTOR, value))
    value = min(hi, max(lo, value))
    return round(value, 1) if field == "kelvin" else round(value, 4)


def apply_deltas(prompt: FiboPrompt, deltas: list[Delta]) -> tuple[FiboPrompt, list[Applied]]:
    """`prompt` with `deltas` validated, bounded and applied (module doc), and the record.

    A delta on a locked path, an unknown path, a light the setup lacks or a non-finite value
    is not applied and is recorded with why; the returned prompt never differs from `prompt`
    on a locked path.
    """
    locked = prompt.metadata.locked_fields
    lights = dict(prompt.scene.lighting)
    record: list[Applied] = []
    for d in deltas:
        parts = d.path.split(".")
        valid = (
            len(parts) == 3
            and parts[0] == "lighting"
            and parts[1] in Role._value2member_map_
            and parts[2] in _FIELDS
            and math.isfinite(d.value)
        )
        if not valid:
            record.append(Applied(d.path, None, None, d.reason, "invalid"))
            continue
        role, field = Role(parts[1]), parts[2]
        light = lights.get(role)
        if light is None:
            record.append(Applied(d.path, None, None, d.reason, "invalid"))
            continue
        before = float(getattr(light, field))
        if is_locked(d.path, locked):
            record.append(Applied(d.path, before, before, d.reason, "locked"))
            continue
        after = _bound(field, before, d.value)
        if after == before:
            record.append(Applied(d.path, before, before, d.reason, "unchanged"))
            continue
        wanted = round(d.value, 1) if field == "kelvin" else round(d.value, 4)
        status = "applied" if after == wanted else "clamped"
        lights[role] = light.model_copy(update={field: after})
        record.append(Applied(d.path, before, after, d.reason, status))
    scene = prompt.scene.model_copy(update={"lighting": lights})
    refined = FiboPrompt.model_validate({**prompt.model_dump(mode="json"),
                                         "scene": scene.model_dump(mode="json")})  # fmt: skip
    return refined, record

"""The finite planner: n reproducible candidate prompts from one prompt.

Candidate i (0-based) gets seed `base_seed + i` and a small, documented delta on the fill so
the candidates differ in a way a photographer can read off the contact sheet:

- fill intensity × (1 + (i − 1) × 0.05): candidate 0 is 5 % under, 1 is as asked, 2 is 5 % over…
- fill colour shifted by (i − 1) × 10 mired (warmer for later candidates).

A single candidate (n = 1) is the prompt as asked under `base_seed`: a refine child run
reproduces its parent's chosen image, changed only where the refinement asked.

A locked `lighting`, `lighting.fill`, `lighting.fill.intensity` or `lighting.fill.kelvin`
keeps that part as asked. Without a fill light only the seed varies.
"""

from __future__ import annotations

from dataclasses import dataclass

from prolight.domain.schema import FiboPrompt, Role

__all__ = ["FILL_INTENSITY_STEP", "FILL_MIRED_STEP", "CandidatePrompt", "candidate_prompts"]

FILL_INTENSITY_STEP = 0.05
FILL_MIRED_STEP = 10.0


@dataclass(frozen=True)
class CandidatePrompt:
    """One planned image: its index in the run, seed, prompt and the delta applied, in words."""

    index: int
    seed: int
    prompt: FiboPrompt
    delta: str


def _locked(prompt: FiboPrompt, path: str) -> bool:
    locked = prompt.metadata.locked_fields
    return any(path == p or path.startswith(p + ".") for p in locked)


def candidate_prompts(prompt: FiboPrompt, n: int, base_seed: int) -> list[CandidatePrompt]:
    """The n candidates of one iteration (module doc); deterministic in (prompt, n, base_seed)."""
    out: list[CandidatePrompt] = []
    for i in range(n):
        step = i - 1 if n > 1 else 0
        seed = base_seed + i
        scene = prompt.scene
        deltas: list[str] = []
        fill = scene.lighting.get(Role.FILL)
        lighting = dict(scene.lighting)
        if fill is not None and step != 0:
            changes: dict[str, float] = {}
            if not _locked(prompt, "lighting.fill.intensity"):
                intensity = min(1.0, max(0.0, fill.intensity * (1 + step * FILL_INTENSITY_STEP)))
                changes["intensity"] = round(intensity, 4)
                deltas.append(f"fill intensity {fill.intensity:g} → {changes['intensity']:g}")
            if not _locked(prompt, "lighting.fill.kelvin"):
                kelvin = 1e6 / (1e6 / fill.kelvin + step * FILL_MIRED_STEP)
                changes["kelvin"] = round(min(20000.0, max(1000.0, kelvin)), 1)
                deltas.append(f"fill {fill.kelvin:g} K → {changes['kelvin']:g} K")
            if changes:
                lighting[Role.FILL] = fill.model_copy(update=changes)
        candidate = prompt.model_copy(
            update={
                "scene": scene.model_copy(update={"lighting": lighting}),
                "metadata": prompt.metadata.model_copy(update={"seed": seed}),
            }
        )
        out.append(
            CandidatePrompt(
                index=i, seed=seed, prompt=candidate, delta="; ".join(deltas) or "as asked"
            )
        )
    return out

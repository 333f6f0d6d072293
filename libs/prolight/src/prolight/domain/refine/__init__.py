"""Refine mode: change only what an instruction or a JSON patch addresses, never a locked field.

    lock_path / is_locked     the lock vocabulary (`Metadata.locked_fields`) of a prompt field
    changed_paths / diff      what differs between two prompts, as lockable paths and values
    apply_patch               an RFC 6902 JSON patch (add, remove, replace, test) on the prompt
    apply_instruction         a short plain-language edit ("make the rim light cooler",
                              "one stop less fill"), read by rules: deterministic, never run
    refine_prompt             either of the two, then validation, lock check and the diff

Paths. A prompt field is named in the lock vocabulary: `camera.aperture`,
`lighting.rim.kelvin`, `subject.head_turn_deg`, `output.resolution` (the `scene.` prefix is
dropped; `metadata` is never locked). A lock covers its path and everything under it;
`composition` covers the framing: `COMPOSITION_PATHS`.

Units of instruction steps: intensity in stops (×2^stops of the light's power), colour in
mired (1e6 / K; cooler = fewer mired), softness as a fraction 0–1, distance in metres.

    locks.py        paths, locks and the diff
    patch.py        `apply_patch`
    instruction.py  `apply_instruction` and its step sizes
    refinement.py   `refine_prompt`
"""

from __future__ import annotations

from prolight.domain.refine.instruction import (
    DEFAULT_STOPS,
    MAX_INSTRUCTION_CHARS,
    MIRED_STEP,
    apply_instruction,
)
from prolight.domain.refine.locks import (
    COMPOSITION_PATHS,
    Change,
    changed_paths,
    diff,
    is_locked,
    lock_path,
)
from prolight.domain.refine.patch import apply_patch
from prolight.domain.refine.refinement import Refinement, refine_prompt

__all__ = [
    "COMPOSITION_PATHS",
    "DEFAULT_STOPS",
    "MAX_INSTRUCTION_CHARS",
    "MIRED_STEP",
    "Change",
    "Refinement",
    "apply_instruction",
    "apply_patch",
    "changed_paths",
    "diff",
    "is_locked",
    "lock_path",
    "refine_prompt",
]

"""`refine_prompt`: one instruction or one patch, then validation, the lock check and the diff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from prolight.domain.errors import FieldError, InvalidInput, describe_errors
from prolight.domain.refine.instruction import apply_instruction
from prolight.domain.refine.locks import Change, check_locks, diff
from prolight.domain.refine.patch import apply_patch
from prolight.domain.schema import FiboPrompt

__all__ = ["Refinement", "refine_prompt"]


@dataclass(frozen=True)
class Refinement:
    """A refined prompt, what changed, and how the instruction was read (empty for a patch)."""

    prompt: FiboPrompt
    changes: list[Change]
    notes: list[str]
    ignored: list[str]


def refine_prompt(
    prompt: FiboPrompt,
    *,
    instruction: str | None = None,
    patch: list[dict[str, Any]] | None = None,
    locked_fields: list[str] | None = None,
) -> Refinement:
    """Apply exactly one of `instruction` or `patch` to `prompt`, keeping every lock.

    The locks are the prompt's own `metadata.locked_fields` plus `locked_fields`; the result
    carries their union. Raises InvalidInput when neither or both are given, when the edit is
    invalid, changes nothing, or touches a locked field (each such field named).
    """
    if (instruction is None) == (patch is None):
        raise InvalidInput.single("", "give exactly one of instruction or patch")
    locked = sorted({*prompt.metadata.locked_fields, *(locked_fields or [])})
    try:
        base = prompt.model_copy(
            update={"metadata": prompt.metadata.model_validate(
                {**prompt.metadata.model_dump(), "locked_fields": locked})}
        )  # fmt: skip
    except ValidationError as exc:
        raise InvalidInput(
            [FieldError("locked_fields", e.message) for e in describe_errors(exc)]
        ) from exc
    notes: list[str] = []
    ignored: list[str] = []
    if patch is not None:
        refined = apply_patch(base, patch)
        refined = refined.model_copy(update={"metadata": base.metadata})
    else:
        assert instruction is not None
        refined, notes, ignored = apply_instruction(base, instruction)
    changes = diff(base, refined)
    if not changes:
        raise InvalidInput.single(
            "patch" if patch is not None else "instruction", "the edit changes nothing"
        )
    check_locks(changes, locked)
    return Refinement(prompt=refined, changes=changes, notes=notes, ignored=ignored)

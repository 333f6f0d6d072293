"""Paths and locks: a prompt field in the lock vocabulary, whether a lock keeps it, and what
differs between two prompts (package doc: Paths)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prolight.domain.errors import FieldError, InvalidInput
from prolight.domain.schema import FiboPrompt

__all__ = [
    "COMPOSITION_PATHS",
    "Change",
    "changed_paths",
    "check_locks",
    "diff",
    "is_locked",
    "lock_path",
]

COMPOSITION_PATHS = frozenset(
    {
        "camera.shot_type",
        "camera.camera_angle",
        "camera.focal_length_mm",
        "camera.distance_m",
        "subject.head_turn_deg",
        "output.aspect_ratio",
    }
)
"""The fields a `composition` lock keeps: framing, camera height, lens, head turn, aspect."""


@dataclass(frozen=True)
class Change:
    """One field that differs: its lockable path, the value before and after (JSON values)."""

    path: str
    before: Any
    after: Any


def lock_path(json_path: str) -> str:
    """A prompt JSON path (`scene.lighting.rim.kelvin`, dots) in the lock vocabulary."""
    return json_path.removeprefix("scene.")


def is_locked(path: str, locked: list[str] | frozenset[str] | tuple[str, ...]) -> bool:
    """Whether `path` (lock vocabulary) is kept by any of the `locked` entries."""
    for entry in locked:
        if path == entry or path.startswith(entry + "."):
            return True
        if entry == "composition" and path in COMPOSITION_PATHS:
            return True
    return False


def _leaves(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _leaves(v, f"{prefix}.{k}" if prefix else str(k), out)
    else:
        out[prefix] = value


def diff(before: FiboPrompt, after: FiboPrompt) -> list[Change]:
    """Every field whose value differs (leaves of the JSON form, lock vocabulary, sorted).

    `metadata` is left out (seed, creator and locks are not part of the picture's lighting).
    """
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _leaves(before.model_dump(mode="json", exclude={"metadata"}), "", a)
    _leaves(after.model_dump(mode="json", exclude={"metadata"}), "", b)
    out = [
        Change(lock_path(p), a.get(p), b.get(p))
        for p in sorted(set(a) | set(b))
        if a.get(p) != b.get(p)
    ]
    return out


def changed_paths(before: FiboPrompt, after: FiboPrompt) -> list[str]:
    """The lockable paths of `diff(before, after)`."""
    return [c.path for c in diff(before, after)]


def check_locks(changes: list[Change], locked: list[str]) -> None:
    """Raise InvalidInput naming every changed path that a lock keeps."""
    bad = [c.path for c in changes if is_locked(c.path, locked)]
    if bad:
        raise InvalidInput(
            [FieldError(p, "locked: a refine step never changes a locked field") for p in bad]
        )

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jsonpatch
import jsonpointer
from pydantic import ValidationError

from prolight.domain.errors import FieldError, InvalidInput, describe_errors
from prolight.domain.schema import Direction, FiboPrompt, Role
from prolight.domain.schema.light import FULL_POWER, MIN_LIGHT_DISTANCE_M

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

MAX_INSTRUCTION_CHARS = 500
"""Longest refine instruction accepted, in characters."""

DEFAULT_STOPS = 0.5
"""Stops a bare "brighter", "less fill" or "more contrast" moves a light."""

MIRED_STEP = 40.0
"""Mired a bare "warmer" or "cooler" shifts a light (about a quarter CTO / a third CTB)."""

SOFTNESS_STEP = 0.2
DISTANCE_FACTOR = 1.25


@dataclass(frozen=True)
class Change:
    """One field that differs: its lockable path, the value before and after (JSON values)."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Refinement:
    """A refined prompt, what changed, and how the instruction was read (empty for a patch)."""

    prompt: FiboPrompt
    changes: list[Change]
    notes: list[str]
    ignored: list[str]


# ------------------------------------------------------------------ paths and locks


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


def _check_locks(changes: list[Change], locked: list[str]) -> None:
    bad = [c.path for c in changes if is_locked(c.path, locked)]
    if bad:
        raise InvalidInput(
            [FieldError(p, "locked: a refine step never changes a locked field") for p in bad]
        )


def _validate(data: dict[str, Any], where: str) -> FiboPrompt:
    try:
        return FiboPrompt.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            [FieldError(f"{where}.{e.field}" if e.field else where, e.message)
             for e in describe_errors(exc)]
        ) from exc  # fmt: skip


# ------------------------------------------------------------------ JSON patch

_PATCH_OPS = ("add", "remove", "replace", "test")


def _pointer(path: Any, index: int) -> tuple[str, ...]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidInput.single(f"patch[{index}].path", "a JSON pointer such as /scene/camera")
    return tuple(jsonpointer.JsonPointer(path).parts)


def apply_patch(prompt: FiboPrompt, patch: list[dict[str, Any]]) -> FiboPrompt:
    """`prompt` with an RFC 6902 patch applied (add, remove, replace, test; no move/copy).

    Pointers address the prompt's JSON form (`/scene/lighting/fill/intensity`). Raises
    InvalidInput naming the operation (`patch[2].path`) or, after validation, the field.
    """
    doc: Any = prompt.model_dump(mode="json")
    for i, op in enumerate(patch):
        if not isinstance(op, dict) or op.get("op") not in _PATCH_OPS:
            raise InvalidInput.single(f"patch[{i}].op", f"one of {', '.join(_PATCH_OPS)}")
        _pointer(op.get("path"), i)  # the whole prompt ("" or no path) is not patched
        if op["op"] != "remove" and "value" not in op:
            raise InvalidInput.single(f"patch[{i}].value", "Field required")
        try:
            doc = jsonpatch.apply_patch(doc, [op])
        except jsonpatch.JsonPatchTestFailed as exc:
            raise InvalidInput.single(f"patch[{i}]", f"test failed at {op['path']}") from exc
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            raise InvalidInput.single(f"patch[{i}].path", str(exc)) from exc
    # The frame's shape is given twice in the JSON form; a patch that changes one of the two
    # means the other to follow (see `Output`), not to disagree with it.
    output = doc.get("output")
    touched = {_pointer(op.get("path"), i) for i, op in enumerate(patch)}
    for one, other in (("aspect_ratio", "resolution"), ("resolution", "aspect_ratio")):
        changes_one = ("output", one) in touched and ("output", other) not in touched
        if isinstance(output, dict) and changes_one:
            output.pop(other, None)
    return _validate(doc, "patch")


# ------------------------------------------------------------------ instructions

_ROLE_WORDS = {
    "key": Role.KEY, "main": Role.KEY, "fill": Role.FILL, "rim": Role.RIM, "back": Role.RIM,
    "backlight": Role.RIM, "hair": Role.HAIR, "kicker": Role.KICKER, "kick": Role.KICKER,
    "background": Role.BACKGROUND, "backdrop": Role.BACKGROUND, "ambient": Role.AMBIENT,
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "half": 0.5, "third": 1 / 3,
    "quarter": 0.25,
}  # fmt: skip
_FILLER = {
    "make", "the", "light", "lights", "a", "an", "bit", "little", "slightly", "please", "and",
    "it", "more", "less", "than", "by", "of", "to", "on", "set", "turn", "up", "down", "is",
    "too", "much", "lot", "some", "be", "should", "put", "move", "at", "with", "stop", "stops",
    "degrees", "degree", "k", "kelvin", "mired", "from", "lighting",
}  # fmt: skip
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")


@dataclass
class _Edit:
    role: Role | None
    what: str  # stops, mired, softness, distance, kelvin, enabled, direction, contrast
    amount: Any
    phrase: str


def _amount(tokens: list[str], i: int) -> float | None:
    """A number just before position i ("one stop", "half a stop", "1.5 stops")."""
    for j in range(i - 1, max(-1, i - 4), -1):
        t = tokens[j]
        if re.fullmatch(r"\d+(?:\.\d+)?", t):
            return float(t)
        if t in _NUMBER_WORDS and t not in ("a", "an"):
            return _NUMBER_WORDS[t]
    return None


def _read_instruction(text: str) -> tuple[list[_Edit], list[str]]:
    clauses = re.split(r"[,;.]|\band\b|\bbut\b|\bthen\b", text.lower())
    edits: list[_Edit] = []
    ignored: list[str] = []
    for clause in clauses:
        tokens = _TOKEN.findall(clause.replace("-", " "))
        if not tokens:
            continue
        roles = [_ROLE_WORDS[t] for t in tokens if t in _ROLE_WORDS]
        role = roles[0] if roles else None
        sign = 0.0
        found = False
        for t in tokens:
            if t in ("more", "brighter", "stronger", "up", "increase", "raise", "boost"):
                sign = 1.0 if t != "up" or sign == 0 else sign
            if t in ("less", "dimmer", "weaker", "down", "lower", "reduce", "darker"):
                sign = -1.0
        for i, t in enumerate(tokens):
            stops = _amount(tokens, i)
            if t in ("stop", "stops") and sign:
                edits.append(_Edit(role, "stops", sign * (stops or 1.0), clause.strip()))
                found = True
            elif t in ("cooler", "colder", "bluer"):
                edits.append(_Edit(role, "mired", -MIRED_STEP, clause.strip()))
                found = True
            elif t in ("warmer", "hotter", "golden", "oranger"):
                edits.append(_Edit(role, "mired", MIRED_STEP, clause.strip()))
                found = True
            elif t in ("softer", "diffused"):
                edits.append(_Edit(role, "softness", SOFTNESS_STEP, clause.strip()))
                found = True
            elif t in ("harder", "crisper", "sharper"):
                edits.append(_Edit(role, "softness", -SOFTNESS_STEP, clause.strip()))
                found = True
            elif t in ("closer", "nearer"):
                edits.append(_Edit(role, "distance", 1 / DISTANCE_FACTOR, clause.strip()))
                found = True
            elif t in ("further", "farther", "away"):
                edits.append(_Edit(role, "distance", DISTANCE_FACTOR, clause.strip()))
                found = True
            elif t == "contrast" and sign:
                edits.append(_Edit(Role.FILL, "stops", -sign * DEFAULT_STOPS, clause.strip()))
                found = True
            elif t in ("flatter",):
                edits.append(_Edit(Role.FILL, "stops", DEFAULT_STOPS, clause.strip()))
                found = True
            elif t in ("off", "disable", "remove", "no", "without", "kill"):
                edits.append(_Edit(role, "enabled", False, clause.strip()))
                found = True
            elif t in ("on", "enable") and role is not None and "turn" in tokens:
                edits.append(_Edit(role, "enabled", True, clause.strip()))
                found = True
            elif t in ("k", "kelvin") and i > 0 and re.fullmatch(r"\d+(?:\.\d+)?", tokens[i - 1]):
                edits.append(_Edit(role, "kelvin", float(tokens[i - 1]), clause.strip()))
                found = True
        m = re.search(r"(\d{3,5})\s*k\b", clause)
        if m and not any(e.what == "kelvin" for e in edits if e.phrase == clause.strip()):
            edits.append(_Edit(role, "kelvin", float(m.group(1)), clause.strip()))
            found = True
        where = re.search(
            r"\b(?:to|at|from)\s+(.*(?:left|right|above|below|behind|front).*)$", clause
        )
        if where and role is not None:
            try:
                az, el = _direction(where.group(1))
            except ValueError:
                pass
            else:
                edits.append(_Edit(role, "direction", (az, el), clause.strip()))
                found = True
        if not found and sign and role is not None:
            # "more fill", "less key", "brighter rim": the default step
            edits.append(_Edit(role, "stops", sign * DEFAULT_STOPS, clause.strip()))
            found = True
        if not found:
            ignored.append(clause.strip())
    return edits, ignored


def _direction(text: str) -> tuple[float, float]:
    d = Direction.model_validate(text.strip())
    return d.azimuth, d.elevation


def apply_instruction(prompt: FiboPrompt, text: str) -> tuple[FiboPrompt, list[str], list[str]]:
    """`prompt` with a plain-language edit applied; also the notes and the clauses not used.

    Understood (per clause, for the light it names; no light named: the key for power,
    softness and distance, every face light for colour): "N stop(s) more/less", "brighter",
    "dimmer", "warmer", "cooler", "3200K", "softer", "harder", "closer", "further",
    "more/less contrast" (the fill, opposite way), "turn off", "to 45 degrees camera-left".
    Raises InvalidInput (field `instruction`) when nothing in it can be applied.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput.single("instruction", "an instruction is a non-empty text")
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise InvalidInput.single(
            "instruction", f"at most {MAX_INSTRUCTION_CHARS} characters; got {len(text)}"
        )
    edits, ignored = _read_instruction(text)
    if not edits:
        raise InvalidInput.single(
            "instruction",
            f"nothing to change was understood in {text!r}; say which light and how, e.g. "
            '"one stop less fill", "make the rim light cooler", "softer key"',
        )
    scene = prompt.scene
    lights = dict(scene.lighting)
    notes: list[str] = []
    for edit in edits:
        if edit.role is not None:
            targets = [edit.role]
        elif edit.what == "mired":
            targets = [r for r in (Role.KEY, Role.FILL, Role.HAIR, Role.AMBIENT) if r in lights]
        else:
            targets = [Role.KEY] if Role.KEY in lights else list(lights)[:1]
        for role in targets:
            light = lights.get(role)
            if light is None:
                raise InvalidInput.single(
                    "instruction",
                    f"{edit.phrase!r} names the {role.value} light, which this setup does not "
                    f"have (it has: {', '.join(r.value for r in lights)})",
                )
            update: dict[str, Any]
            if edit.what == "stops":
                # Never past full power, nor down to it from a light the user pushed past it.
                top = max(FULL_POWER, light.intensity)
                new = min(top, max(0.0, light.intensity * 2.0 ** float(edit.amount)))
                update = {"intensity": round(new, 4)}
                notes.append(f"{role.value}: {edit.amount:+g} stop(s), intensity "
                             f"{light.intensity:g} → {update['intensity']:g}")  # fmt: skip
            elif edit.what == "mired":
                kelvin = 1e6 / (1e6 / light.kelvin + float(edit.amount))
                update = {"kelvin": round(min(20000.0, max(1000.0, kelvin)), 1)}
                notes.append(f"{role.value}: {light.kelvin:g} K → {update['kelvin']:g} K")
            elif edit.what == "kelvin":
                update = {"kelvin": float(edit.amount)}
                notes.append(f"{role.value}: {light.kelvin:g} K → {edit.amount:g} K")
            elif edit.what == "softness":
                update = {"softness": round(min(1.0, max(0.0, light.softness + edit.amount)), 3)}
                notes.append(f"{role.value}: softness {light.softness:g} → {update['softness']:g}")
            elif edit.what == "distance":
                near = min(MIN_LIGHT_DISTANCE_M, light.distance)  # never into the head
                update = {"distance": round(min(30.0, max(near, light.distance * edit.amount)), 3)}
                notes.append(f"{role.value}: {light.distance:g} m → {update['distance']:g} m")
            elif edit.what == "enabled":
                update = {"enabled": bool(edit.amount)}
                notes.append(f"{role.value}: {'on' if edit.amount else 'off'}")
            else:
                az, el = edit.amount
                update = {"direction": Direction(azimuth=az, elevation=el)}
                notes.append(f"{role.value}: moved to {update['direction'].describe()}")
            lights[role] = light.model_copy(update=update)
    data = prompt.model_dump(mode="json")
    data["scene"]["lighting"] = {r.value: lt.model_dump(mode="json") for r, lt in lights.items()}
    try:
        refined = FiboPrompt.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            [FieldError("instruction", f"the edit gives an invalid setup: {e}")
             for e in describe_errors(exc)]
        ) from exc  # fmt: skip
    return refined, notes, ignored


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
    _check_locks(changes, locked)
    return Refinement(prompt=refined, changes=changes, notes=notes, ignored=ignored)

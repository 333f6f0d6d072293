"""RFC 6902 JSON patches (add, remove, replace, test) on a prompt's JSON form."""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer
from pydantic import ValidationError

from prolight.domain.errors import FieldError, InvalidInput, describe_errors
from prolight.domain.schema import FiboPrompt

__all__ = ["apply_patch"]


def _validate(data: dict[str, Any], where: str) -> FiboPrompt:
    try:
        return FiboPrompt.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            [FieldError(f"{where}.{e.field}" if e.field else where, e.message)
             for e in describe_errors(exc)]
        ) from exc  # fmt: skip


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

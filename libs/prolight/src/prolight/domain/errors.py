"""The exceptions raised by the `prolight` library.

    ProLightError              root of everything this package raises on purpose
    ├── InvalidInput           a value a user gave cannot be used; carries field paths
    │   ├── UnsupportedImage   image bytes that are not PNG, JPEG or WebP (by signature)
    │   ├── ImageTooLarge      an image over the byte or pixel limit
    │   └── UnreadableImage    a PNG, JPEG or WebP that does not decode, or is too small to read
    └── RenderError            the renderer was asked for something it cannot draw

Validation of pydantic models raises pydantic's `ValidationError`; `describe_errors`
turns one into the `{field, message}` list that the CLI prints and the API returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

__all__ = [
    "FieldError",
    "ImageTooLarge",
    "InvalidInput",
    "ProLightError",
    "RenderError",
    "UnreadableImage",
    "UnsupportedImage",
    "describe_errors",
]


class ProLightError(Exception):
    """Root of every error this library raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: where (a dotted path, '' for the whole input) and what."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(ProLightError, ValueError):
    """Raised when user input cannot be used; `errors` names each offending field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    @classmethod
    def single(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])


class UnsupportedImage(InvalidInput):
    """Raised by `imaging` for bytes that are not a PNG, JPEG or WebP image."""


class ImageTooLarge(InvalidInput):
    """Raised by `imaging` for an image over the byte or the pixel limit."""


class UnreadableImage(InvalidInput):
    """Raised by `imaging` for a PNG, JPEG or WebP that does not decode or is too small."""


class RenderError(ProLightError):
    """Raised when a render is asked for something the renderer cannot draw."""


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in {"str", "list", "dict"}:
            # Union branches and validator wrappers are noise to a user.
            continue
        else:
            out += f".{part}" if out else part
    return out


def describe_errors(exc: ValidationError | InvalidInput, prefix: str = "") -> list[FieldError]:
    """Flatten a validation failure into field paths and readable messages."""
    if isinstance(exc, InvalidInput):
        errors = exc.errors
    else:
        errors = []
        for err in exc.errors(include_url=False):
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field (not part of the schema)"
            errors.append(FieldError(_path(tuple(err["loc"])), message))
    if prefix:
        errors = [
            FieldError(f"{prefix}.{e.field}" if e.field else prefix, e.message) for e in errors
        ]
    # One message per field: a union can report the same field several times.
    seen: dict[str, FieldError] = {}
    for e in errors:
        seen.setdefault(e.field + "\0" + e.message, e)
    return list(seen.values())

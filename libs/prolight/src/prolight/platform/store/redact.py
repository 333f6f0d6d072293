"""Stripping secrets before anything is written to the audit log."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REDACTED", "strip_secrets"]

REDACTED = "[redacted]"

_SECRET_KEY = re.compile(
    r"secret|token|passw(or)?d|api[_-]?key|authorization|credential|private[_-]?key|cookie",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]+@")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]+")


def _clean_text(text: str) -> str:
    text = _URL_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def strip_secrets(value: Any) -> Any:
    """A copy of `value` (JSON-like) with secrets replaced by `REDACTED`.

    Values under keys that name a secret (token, password, api_key, authorization, …) are
    replaced whole; passwords in URLs and bearer/basic credentials in any string are masked.
    """
    if isinstance(value, dict):
        return {
            k: REDACTED if _SECRET_KEY.search(str(k)) else strip_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [strip_secrets(v) for v in value]
    if isinstance(value, str):
        return _clean_text(value)
    return value

"""API keys: issuing them, keeping only their hashes, and finding whose a key is.

A key is `pl_` followed by 43 URL-safe characters (32 random bytes). The keys file holds one
line per key, `OWNER SHA256-HEX`, never the key itself; blank lines and `#` comments are
allowed. The key is 256 random bits, so one SHA-256 makes a stolen file useless without the
stretching a password needs, and checking a key costs one hash and one dictionary lookup.

`prolight keys new OWNER` issues a key: it appends the hash to the file and prints the key,
once. The gateway reads the file at start-up (`PROLIGHT_API_KEYS_FILE`).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ANONYMOUS",
    "KEY_PREFIX",
    "KeyFileError",
    "KeyRing",
    "add_key",
    "key_hash",
    "new_key",
]

KEY_PREFIX = "pl_"
ANONYMOUS = "anonymous"
"""The owner of every run made while keys are off; no key may be issued under this name."""

_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_HASH = re.compile(r"[0-9a-f]{64}")


class KeyFileError(ValueError):
    """The keys file cannot be used; the message names the file and the line."""


def new_key() -> str:
    """A fresh random key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    """The hex SHA-256 of `key`: what the keys file stores."""
    return hashlib.sha256(key.encode()).hexdigest()


def _check_owner(owner: str) -> str:
    if not _OWNER.fullmatch(owner):
        raise KeyFileError(
            f"owner {owner!r} must be 1–64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    if owner == ANONYMOUS:
        raise KeyFileError(f"{ANONYMOUS!r} is reserved for runs made while keys are off")
    return owner


@dataclass(frozen=True)
class KeyRing:
    """Owners by key hash, read from a keys file."""

    owners: Mapping[str, str]

    def owner_of(self, key: str) -> str | None:
        """Whose `key` is, or None for a key nobody issued."""
        return self.owners.get(key_hash(key))

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        """Read `path`; raises `KeyFileError` naming the line of anything malformed."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyFileError(f"cannot read the API keys file {path}: {exc.strerror}") from exc
        owners: dict[str, str] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2 or not _HASH.fullmatch(parts[1]):
                raise KeyFileError(
                    f"{path}:{number}: expected 'OWNER SHA256-HEX' (made by `prolight keys new`)"
                )
            try:
                owners[parts[1]] = _check_owner(parts[0])
            except KeyFileError as exc:
                raise KeyFileError(f"{path}:{number}: {exc}") from exc
        if not owners:
            raise KeyFileError(
                f"the API keys file {path} holds no keys; add one with `prolight keys new OWNER`"
            )
        return cls(owners)


def add_key(path: Path, owner: str) -> str:
    """Issue a key for `owner`: append its hash to `path` (created 0600) and return the key."""
    _check_owner(owner)
    key = new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(f"{owner} {key_hash(key)}\n")
    return key

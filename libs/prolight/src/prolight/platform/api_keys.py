"""API keys: issuing them, keeping only their hashes, finding whose a key is, and revoking them.

A key is `pl_` followed by 43 URL-safe characters (32 random bytes). The keys file holds one
line per key, `OWNER SHA256-HEX`, never the key itself; blank lines and `#` comments are
allowed. The key is 256 random bits, so one SHA-256 makes a stolen file useless without the
stretching a password needs, and checking a key costs one hash and one dictionary lookup.

    prolight keys new OWNER        issue a key: append its hash, print the key once
    prolight keys list             owner and fingerprint (`sha256:` + 12 hex of the hash) of each
    prolight keys revoke WHO       remove an owner's keys, or one key by its fingerprint
    prolight keys rotate OWNER     issue a new key for OWNER and remove their old ones

Revoke and rotate rewrite the file atomically (a temporary file beside it, then `os.replace`),
keeping its mode (0600 for a new file) and comments. The gateway (`PROLIGHT_API_KEYS_FILE`)
holds a `LiveKeyRing`: it reads the file at start-up (an unusable file stops it there) and again
whenever the file's identity changes — a `stat` per request, about a microsecond — so a revoked
key is refused from the next request on, without a restart. A file that becomes unreadable or
malformed while it serves leaves the last good keys in force, with an error in the log.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ANONYMOUS",
    "FINGERPRINT_PREFIX",
    "KEY_PREFIX",
    "IssuedKey",
    "KeyFileError",
    "KeyRing",
    "LiveKeyRing",
    "add_key",
    "fingerprint",
    "key_hash",
    "list_keys",
    "new_key",
    "revoke_keys",
    "rotate_key",
]

log = logging.getLogger(__name__)

KEY_PREFIX = "pl_"
ANONYMOUS = "anonymous"
"""The owner of every run made while keys are off; no key may be issued under this name."""
FINGERPRINT_PREFIX = "sha256:"
_FINGERPRINT_HEX = 12
"""Hex digits of the key's hash a fingerprint shows: 48 bits, plenty to tell keys apart, and
nothing about the key itself (the hash is of 256 random bits)."""
_MIN_FINGERPRINT_HEX = 6

_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_HASH = re.compile(r"[0-9a-f]{64}")


class KeyFileError(ValueError):
    """The keys file cannot be used, or a key change cannot be made; the message names the
    file and the line."""


def new_key() -> str:
    """A fresh random key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    """The hex SHA-256 of `key`: what the keys file stores."""
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(digest: str) -> str:
    """What `prolight keys list` shows of a key: `sha256:` and the first 12 hex of its hash."""
    return FINGERPRINT_PREFIX + digest[:_FINGERPRINT_HEX]


def _check_owner(owner: str) -> str:
    if not _OWNER.fullmatch(owner):
        raise KeyFileError(
            f"owner {owner!r} must be 1–64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    if owner == ANONYMOUS:
        raise KeyFileError(f"{ANONYMOUS!r} is reserved for runs made while keys are off")
    return owner


def _entry(raw: str, path: Path, number: int) -> tuple[str, str] | None:
    """(owner, hash) of one line of the file, None for a blank or comment line."""
    line = raw.split("#", 1)[0].strip()
    if not line:
        return None
    parts = line.split()
    if len(parts) != 2 or not _HASH.fullmatch(parts[1]):
        raise KeyFileError(
            f"{path}:{number}: expected 'OWNER SHA256-HEX' (made by `prolight keys new`)"
        )
    try:
        return _check_owner(parts[0]), parts[1]
    except KeyFileError as exc:
        raise KeyFileError(f"{path}:{number}: {exc}") from exc


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyFileError(f"cannot read the API keys file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise KeyFileError(f"the API keys file {path} is not UTF-8 text") from exc


@dataclass(frozen=True)
class KeyRing:
    """Owners by key hash, read from a keys file."""

    owners: Mapping[str, str]

    def owner_of(self, key: str) -> str | None:
        """Whose `key` is, or None for a key nobody issued."""
        return self.owners.get(key_hash(key))

    @classmethod
    def parse(cls, text: str, path: Path) -> KeyRing:
        """The keys in `text` (the content of `path`); raises `KeyFileError` naming the line of
        anything malformed. No keys at all is a ring nobody can use, not an error."""
        owners: dict[str, str] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            entry = _entry(raw, path, number)
            if entry is not None:
                owners[entry[1]] = entry[0]
        return cls(owners)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        """Read `path` at start-up; raises `KeyFileError` naming the line of anything
        malformed, or when the file holds no key (a gateway nobody could call)."""
        ring = cls.parse(_read(path), path)
        if not ring.owners:
            raise KeyFileError(
                f"the API keys file {path} holds no keys; add one with `prolight keys new OWNER`"
            )
        return ring


_Stamp = tuple[int, int, int, int]
"""(device, inode, mtime in ns, size) of the file a path leads to: any edit changes one."""


def _stamp(path: Path) -> _Stamp | None:
    try:
        # Follows symlinks: a Kubernetes Secret volume swaps a `..data` link to a new
        # directory on every update, and this sees the new file behind the same path.
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


class LiveKeyRing:
    """The key ring of a keys file, kept in step with the file while the gateway serves.

    `owner_of` first `stat`s the file; when its device, inode, modification time or size
    differ from the last read's, it reads the file again. A file that is gone, unreadable or
    malformed keeps the last good ring in force and logs one error per change of the file,
    so a half-written edit never turns every request into a 401 or a 500.
    """

    def __init__(self, path: Path) -> None:
        """Read `path`; raises `KeyFileError` when it is unusable (see `KeyRing.load`)."""
        self.path = path
        self._stamp = _stamp(path)  # before the read: an edit during it is seen next time
        self._ring = KeyRing.load(path)

    @property
    def ring(self) -> KeyRing:
        """The keys in force, after catching up with the file."""
        self.refresh()
        return self._ring

    def owner_of(self, key: str) -> str | None:
        """Whose `key` is in the file as it is now (or as it last was readable)."""
        return self.ring.owner_of(key)

    def refresh(self) -> bool:
        """Re-read the file if it changed; True when a new ring is in force."""
        stamp = _stamp(self.path)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        if stamp is None:
            log.error(
                "the API keys file %s is gone or cannot be reached; the %d keys read last "
                "stay in force until it is back",
                self.path,
                len(self._ring.owners),
            )
            return False
        try:
            ring = KeyRing.parse(_read(self.path), self.path)
        except KeyFileError as exc:
            log.error(
                "the API keys file changed but cannot be used (%s); the %d keys read last stay "
                "in force until it is fixed",
                exc,
                len(self._ring.owners),
            )
            return False
        if not ring.owners:
            log.warning(
                "the API keys file %s now holds no keys: every request is refused", self.path
            )
        else:
            log.info("API keys re-read: %d keys from %s", len(ring.owners), self.path)
        self._ring = ring
        return True


@dataclass(frozen=True)
class IssuedKey:
    """One line of the keys file as `prolight keys list` shows it: never the key."""

    owner: str
    fingerprint: str


def _entries(path: Path) -> tuple[list[str], list[tuple[str, str] | None]]:
    """The file's lines and, for each, its (owner, hash) or None (blank or comment)."""
    lines = _read(path).splitlines()
    return lines, [_entry(raw, path, n) for n, raw in enumerate(lines, start=1)]


def list_keys(path: Path) -> list[IssuedKey]:
    """Every key in the file, in file order: owner and fingerprint."""
    _, entries = _entries(path)
    return [IssuedKey(e[0], fingerprint(e[1])) for e in entries if e is not None]


def _rewrite(path: Path, lines: list[str]) -> None:
    """Replace the file's content with `lines` atomically: a reader sees the old file or the
    new one, never a part. The new file keeps the old one's mode, and its owner where this
    user may set it (a container reading it as another uid keeps reading it)."""
    st = os.stat(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("".join(f"{line}\n" for line in lines))
            out.flush()
            os.fchmod(out.fileno(), st.st_mode & 0o7777)
            with contextlib.suppress(PermissionError):
                os.fchown(out.fileno(), st.st_uid, st.st_gid)
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself, durable (not on every platform)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _matches(who: str, entries: list[tuple[str, str] | None]) -> set[int]:
    """Indexes of the lines `who` names: an owner's every key, or the one key whose hash the
    fingerprint (`sha256:HEX`, at least 6 hex) begins."""
    if who.startswith(FINGERPRINT_PREFIX):
        digits = who.removeprefix(FINGERPRINT_PREFIX).lower()
        if len(digits) < _MIN_FINGERPRINT_HEX or not re.fullmatch(r"[0-9a-f]+", digits):
            raise KeyFileError(
                f"{who!r} is not a fingerprint: `prolight keys list` shows them as "
                f"{FINGERPRINT_PREFIX}{'0' * _FINGERPRINT_HEX}"
            )
        found = {i for i, e in enumerate(entries) if e is not None and e[1].startswith(digits)}
        if len(found) > 1:
            raise KeyFileError(f"{who} matches {len(found)} keys: give more of its digits")
        return found
    return {i for i, e in enumerate(entries) if e is not None and e[0] == who}


def revoke_keys(path: Path, who: str) -> list[IssuedKey]:
    """Remove the keys `who` names (an owner, or a fingerprint `sha256:…`) from the file;
    the keys removed. Raises `KeyFileError` when `who` names none."""
    lines, entries = _entries(path)
    found = _matches(who, entries)
    if not found:
        raise KeyFileError(f"no key in {path} belongs to {who!r} (see `prolight keys list`)")
    _rewrite(path, [line for i, line in enumerate(lines) if i not in found])
    return [IssuedKey(e[0], fingerprint(e[1])) for i, e in enumerate(entries) if i in found and e]


def rotate_key(path: Path, owner: str) -> tuple[str, list[IssuedKey]]:
    """Issue a new key for `owner` and remove their old ones, in one atomic rewrite; the new
    key (shown once, never stored) and the keys removed. Raises `KeyFileError` when `owner`
    has no key to rotate (`add_key` issues a first one)."""
    _check_owner(owner)
    lines, entries = _entries(path)
    old = {i for i, e in enumerate(entries) if e is not None and e[0] == owner}
    if not old:
        raise KeyFileError(f"{owner!r} has no key in {path}; issue one with `prolight keys new`")
    key = new_key()
    kept = [line for i, line in enumerate(lines) if i not in old]
    _rewrite(path, [*kept, f"{owner} {key_hash(key)}"])
    return key, [
        IssuedKey(e[0], fingerprint(e[1])) for i, e in enumerate(entries) if i in old and e
    ]


def add_key(path: Path, owner: str) -> str:
    """Issue a key for `owner`: append its hash to `path` (created 0600) and return the key.

    An append of one short line: a reader sees the file before it or after it."""
    _check_owner(owner)
    key = new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(f"{owner} {key_hash(key)}\n")
    return key

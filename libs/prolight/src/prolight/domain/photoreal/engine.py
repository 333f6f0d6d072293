"""Mitsuba 3, set up once per process: its LLVM variant on the CPU.

Mitsuba's `llvm_ad_rgb` variant compiles its kernels with the system's libLLVM, and needs
version 16 or newer (Debian 12's default LLVM 14 aborts it). `make setup` installs Debian's
`libllvm19`; `DRJIT_LIBLLVM_PATH` names the library when set, and otherwise the newest
`libLLVM-NN.so` of 16 or later in the usual library folders is used.
"""

from __future__ import annotations

import glob
import os
import re

from prolight.domain.errors import RenderError

__all__ = ["VARIANT", "mi"]

VARIANT = "llvm_ad_rgb"
"""The Mitsuba variant every render uses (part of the prompt-cache key's model name)."""

_LIBRARY_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib",
    "/usr/lib64",
)


def _find_llvm() -> str | None:
    found = []
    for folder in _LIBRARY_DIRS:
        for path in glob.glob(os.path.join(folder, "libLLVM-*.so")):
            match = re.search(r"libLLVM-(\d+)\.so$", path)
            if match and int(match.group(1)) >= 16:
                found.append((int(match.group(1)), path))
    return max(found)[1] if found else None


_NEEDS = (
    "it needs libLLVM 16 or newer: apt-get install libllvm19 (make setup does), "
    "or set DRJIT_LIBLLVM_PATH"
)

if "DRJIT_LIBLLVM_PATH" not in os.environ:
    _path = _find_llvm()
    if _path is None:
        # An older libLLVM would load, then abort the process at the first kernel it compiles.
        raise RenderError(f"Mitsuba's {VARIANT} variant cannot start: {_NEEDS}")
    os.environ["DRJIT_LIBLLVM_PATH"] = _path

import mitsuba as mi  # noqa: E402  (reads DRJIT_LIBLLVM_PATH when a variant is set)

try:
    mi.set_variant(VARIANT)
except Exception as exc:
    raise RenderError(f"Mitsuba's {VARIANT} variant did not start ({exc}); {_NEEDS}") from exc

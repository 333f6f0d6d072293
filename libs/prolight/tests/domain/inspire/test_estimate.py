"""What the contracts import from Inspire carries no numpy, Pillow or scipy."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["prolight.domain.inspire.estimate", "prolight.contracts.api_modes"]
)
def test_importing_the_estimate_imports_no_imaging(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "heavy = {'numpy', 'PIL', 'scipy'} & {m.split('.')[0] for m in sys.modules}\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""Write images.dict: the local renderer's 64×80 PNGs of two presets, base64, one per line.

    .venv/bin/python services/gateway/tests/schemathesis/make_images.py

Each is checked to be an image Inspire can measure (`inspire.measuring.measure`), as the
schemathesis run needs: no JSON Schema can say "a PNG with a subject to measure".
"""

from __future__ import annotations

import base64
from pathlib import Path

from prolight.domain.inspire.measuring import measure, read_image
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt

PRESETS = ("rembrandt", "butterfly")
HEADER = """\
# Images for POST /api/generate/inspire's image_base64 (libFuzzer dictionary format), made by
# make_images.py beside this file: the local renderer's 64×80 PNGs of two presets.
"""


def main() -> None:
    lines = [HEADER]
    for name in PRESETS:
        png = render(FiboPrompt(scene=get_preset(name).setup), 1, 64, 80).png
        measure(read_image(png))  # raises if Inspire could not read it
        lines.append(f'{name}="{base64.b64encode(png).decode()}"\n')
    Path(__file__).with_name("images.dict").write_text("".join(lines))


if __name__ == "__main__":
    main()

"""How much of the bottle's light the draft misses (not a timed test).

Renders the product preset at 256×320 with each way of lighting it and prints the label's
measured ratio (the face meter's two probes on the label), against `volpath` to depth 10, the
path-traced reference, in the same run. Why the draft bottle has one bounce:
docs/decisions/photoreal-renderer.md.

Run: .venv/bin/python bench/bench_bottle.py [--samples 64]
"""

from __future__ import annotations

import argparse

from prolight.domain.photoreal import renderer
from prolight.domain.photoreal.integrator import NAME
from prolight.domain.presets import PRESETS
from prolight.domain.schema import FiboPrompt

WAYS = (
    ("volpath depth 10 (reference)", {"type": "volpath", "max_depth": 10}, None),
    ("studio_direct, glass, no bounce", {"type": NAME, "glass": 6}, None),
    ("volpath depth 2 (Mitsuba's direct light)", {"type": "volpath", "max_depth": 2}, None),
    ("studio_direct, glass, one bounce", {"type": NAME, "glass": 6, "bounces": 1}, None),
    ("volpath depth 3", {"type": "volpath", "max_depth": 3}, None),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=64)
    args = parser.parse_args()
    prompt = FiboPrompt(scene=PRESETS["product_tabletop"].setup)
    draft = renderer.QUALITIES["draft"]
    rows = [(label, renderer._Pass(integ, dn), args.samples) for label, integ, dn in WAYS]
    rows.append(("the draft (2 samples, denoised)", draft.product, draft.spp))
    print(f"{'lighting':>42} {'samples':>8} {'ratio, stops':>13} {'− reference':>12}")
    reference = None
    for label, way, samples in rows:
        renderer.QUALITIES["draft"] = renderer._Settings(way, way, samples)
        stops = renderer.render(prompt, 0, 256, 320).report.measured_ratio_stops
        assert stops is not None
        reference = stops if reference is None else reference
        print(f"{label:>42} {samples:>8} {stops:>13.2f} {stops - reference:>+12.2f}")
    renderer.QUALITIES["draft"] = draft


if __name__ == "__main__":
    main()

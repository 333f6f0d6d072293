"""How much of the bottle's light the draft misses, and the analysis with it (not a timed test).

Renders the product preset at 256×320 with each way of lighting it and prints the label's
measured ratio (the face meter's two probes on the label), against `volpath` to depth 10, the
path-traced reference, in the same run, and the analysis's prediction for it (`physics/face.py`,
which counts the sweep's bounce: docs/decisions/analysis-light-model.md). Why the draft bottle
has one bounce: docs/decisions/photoreal-renderer.md.

`--per-light`: each light alone, the lux on the label's lit and shadow probes (the full set's
sides) as the analysis has them (direct, and off the sweep) and as the render has them (direct
light only, and path traced). The render's lux is the probe's luminance × the exposure's lux ÷
the label's albedo.

Run: .venv/bin/python bench/bench_bottle.py [--samples 64] [--per-light]
"""

from __future__ import annotations

import argparse

from prolight.domain.photoreal import renderer
from prolight.domain.photoreal.integrator import NAME
from prolight.domain.photoreal.studio import LABEL_RGB
from prolight.domain.physics.face import (
    bounce_lux,
    cheek_normals,
    face_light,
    probe_lux,
    probe_point,
    sweep_of,
)
from prolight.domain.presets import PRESETS
from prolight.domain.render.scene import build_scene
from prolight.domain.render.shading import LUMA
from prolight.domain.schema import FiboPrompt, LightingSetup, Role

WAYS = (
    ("volpath depth 10 (reference)", {"type": "volpath", "max_depth": 10}, None),
    ("studio_direct, glass, no bounce", {"type": NAME, "glass": 6}, None),
    ("volpath depth 2 (Mitsuba's direct light)", {"type": "volpath", "max_depth": 2}, None),
    ("studio_direct, glass, one bounce", {"type": NAME, "glass": 6, "bounces": 1}, None),
    ("volpath depth 3", {"type": "volpath", "max_depth": 3}, None),
)
W, H = 256, 320


def _probes(setup: LightingSetup, way: renderer._Pass, samples: int) -> tuple[float, float]:
    """The label's lit and shadow probes (luminance) of `setup` rendered `way`."""
    draft = renderer.QUALITIES["draft"]
    renderer.QUALITIES["draft"] = renderer._Settings(way, way, samples)
    try:
        report = renderer.render(FiboPrompt(scene=setup), 0, W, H).report
    finally:
        renderer.QUALITIES["draft"] = draft
    return report.lit_cheek_value or 0.0, report.shadow_cheek_value or 0.0


def ratios(setup: LightingSetup, samples: int) -> None:
    draft = renderer.QUALITIES["draft"]
    rows = [(label, renderer._Pass(integ, dn), samples) for label, integ, dn in WAYS]
    rows.append(("the draft (2 samples, denoised)", draft.product, draft.spp))
    print(f"{'lighting':>42} {'samples':>8} {'ratio, stops':>13} {'− reference':>12}")
    reference = None
    for label, way, n in rows:
        renderer.QUALITIES["draft"] = renderer._Settings(way, way, n)
        stops = renderer.render(FiboPrompt(scene=setup), 0, W, H).report.measured_ratio_stops
        renderer.QUALITIES["draft"] = draft
        assert stops is not None
        reference = stops if reference is None else reference
        print(f"{label:>42} {n:>8} {stops:>13.2f} {stops - reference:>+12.2f}")
    predicted = face_light(setup).face_contrast
    assert predicted is not None
    assert reference is not None
    label = "the analysis's prediction"
    print(f"{label:>42} {'':>8} {predicted.stops:>13.2f} {predicted.stops - reference:>+12.2f}")


def per_light(setup: LightingSetup, samples: int) -> None:
    lux_per_value = build_scene(setup, 0, W, H).meter_lux / float(LABEL_RGB @ LUMA)
    full = face_light(setup)
    sweep = sweep_of(setup)
    assert sweep is not None
    normals = cheek_normals(full.lit_side)
    ways = (
        renderer._Pass({"type": NAME, "glass": 6}, None),
        renderer._Pass({"type": "volpath", "max_depth": 10}, None),
    )
    print("lux, lit / shadow side | analysis: direct, sweep | render: direct, path traced")
    for role in [*setup.enabled_lights(), None]:
        alone = setup
        if role is not None:
            lighting = {
                r: lt if r == role else lt.model_copy(update={"enabled": False})
                for r, lt in setup.lighting.items()
            }
            alone = setup.model_copy(update={"lighting": lighting})
        lights = list(alone.enabled_lights().values())
        cells = []
        for term in (probe_lux, lambda lt, n, at: bounce_lux(lt, n, at, sweep)):
            lit, shadow = (
                sum(term(lt, n, probe_point(setup.subject.kind, n)) for lt in lights)
                for n in normals
            )
            cells.append(f"{lit:7.0f} / {shadow:7.0f}")
        # The render's meter puts the lit probe on the side of the brightest light left on.
        swap = face_light(alone).lit_side != full.lit_side
        for way in ways:
            lit, shadow = (v * lux_per_value for v in _probes(alone, way, samples))
            lit, shadow = (shadow, lit) if swap else (lit, shadow)
            cells.append(f"{lit:7.0f} / {shadow:7.0f}")
        name = "all" if role is None else Role(role).value
        print(f"{name:>10} | " + " | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--per-light", action="store_true")
    args = parser.parse_args()
    setup = PRESETS["product_tabletop"].setup
    if args.per_light:
        per_light(setup, args.samples)
    else:
        ratios(setup, args.samples)


if __name__ == "__main__":
    main()

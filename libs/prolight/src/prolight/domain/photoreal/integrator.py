"""`studio_direct`: Mitsuba's direct-lighting estimator, with the studio's lights kept out of
the camera's view.

A light stand and its softbox stand where the photographer put them, often between the camera
and the sitter (a clamshell's lower light, a big octabox just off-axis) or behind the sitter
(a background light). A studio preview shows the picture, not the gear: camera rays step
through emitter surfaces, while shading still sees every light at its true place, size and
shape. The final quality gets the same from Mitsuba's `volpath`, through which the emitters'
`null` surfaces are transparent (`studio.py`).

The estimate is that of Mitsuba's own `direct` integrator, except that every light is sampled
on every sample rather than one picked at random (a studio has a handful, and picking is most
of the noise): light samples and one BSDF sample, combined by the balance heuristic, for the
first surface the camera sees that is not glass (a camera ray follows glass's mirror and
refracted paths first, as a Whitted ray tracer does, so a bottle shows the lights in its
walls and what stands behind it; light through glass is not followed, so its shadow is
solid); ambient (the room) is the constant environment emitter, sampled
like any other light. Shadow rays stop at other lights' panels, as light does in a studio;
`volpath` lets them through (its null surfaces), so on the sweep behind a large background
light the final quality can be a few percent brighter than the draft.
"""

from __future__ import annotations

from typing import Any

import drjit as dr

from prolight.domain.photoreal.engine import mi

__all__ = ["AOV_NAMES", "NAME", "StudioDirect", "shape_id"]

NAME = "studio_direct"

_SKIPS = 3
"""Emitter surfaces a camera ray may step through (lights seldom line up more than this)."""


def _balance(a: Any, b: Any) -> Any:
    return dr.detach(dr.select(a > 0, a / (a + b), 0.0))


AOV_NAMES = ["nx", "ny", "nz", "px", "py", "pz", "shape", "ar", "ag", "ab"]
"""With `aovs`: the shading normal, the point, the shape's id (`shape_id`) and the diffuse
albedo of the first surface the camera sees past the lights."""


def shape_id(shape: Any) -> int:
    """The id the `shape` AOV holds for `shape` (its registry id, as Mitsuba's own `aov`
    integrator's shape index; not its place in the scene's list)."""
    ids: Any = dr.reinterpret_array(mi.UInt32, mi.ShapePtr(shape))
    return int(ids[0])


class StudioDirect(mi.SamplingIntegrator):
    """Direct light at the first non-emitter surface; `emitter_samples`, `bsdf_samples`;
    `glass`: mirror and refraction bounces a camera ray follows through glass first (into and
    out of a bottle's front and back walls is four); `bounces`: diffuse bounces after it, each
    lit the same way; `aovs` true writes `AOV_NAMES` instead of light (one cheap pass for the
    meter)."""

    def __init__(self, props: Any) -> None:
        super().__init__(props)
        self.emitter_samples = int(props.get("emitter_samples", 1))
        self.bsdf_samples = int(props.get("bsdf_samples", 1))
        self.glass = int(props.get("glass", 0))
        self.bounces = int(props.get("bounces", 0))
        self.aovs = bool(props.get("aovs", False))

    def sample(
        self,
        scene: Any,
        sampler: Any,
        ray: Any,
        medium: Any = None,
        active: Any = True,
    ) -> tuple[Any, Any, list[Any]]:
        active = mi.Bool(active)
        ray = mi.Ray3f(ray)
        si = scene.ray_intersect(ray, active)
        for _ in range(_SKIPS):
            through = active & si.is_valid() & (si.shape.emitter() != None)  # noqa: E711
            si_next = scene.ray_intersect(si.spawn_ray(ray.d), through)
            si = dr.select(through, si_next, si)
        if self.aovs:
            return mi.Spectrum(0.0), mi.Bool(True), self._aovs(si, ray, active)
        result = mi.Spectrum(0.0)
        # What the camera sees past everything: the room (the constant ambient emitter).
        background = si.emitter(scene, active)
        result += dr.select(~si.is_valid(), background.eval(si, active & ~si.is_valid()), 0.0)

        active &= si.is_valid()
        ctx = mi.BSDFContext()
        # Through glass: the camera ray follows its mirror or refracted path, and a light's
        # panel or the room seen at the end of it is a highlight.
        throughput = mi.Spectrum(1.0)
        for _ in range(self.glass):
            bsdf = si.bsdf(ray)
            glass = active & mi.has_flag(bsdf.flags(), mi.BSDFFlags.Delta)
            bs, weight = bsdf.sample(ctx, si, sampler.next_1d(glass), sampler.next_2d(glass), glass)
            ray_g = si.spawn_ray(si.to_world(bs.wo))
            si_g = scene.ray_intersect(ray_g, glass)
            throughput = dr.select(glass, throughput * weight, throughput)
            seen = si_g.emitter(scene, glass)
            ends = glass & ((seen != None) | ~si_g.is_valid())  # noqa: E711
            result += dr.select(ends, throughput * seen.eval(si_g, ends), 0.0)
            active &= ~ends
            si = dr.select(glass, si_g, si)
            ray = dr.select(glass, ray_g, ray)
        light, weight, ray, si = self._direct(scene, sampler, ctx, si, ray, active)
        result += throughput * light
        for _ in range(self.bounces):
            # What the sweep and the subject throw back: light at the surface the last BSDF
            # sample reached, unless that was a light (counted already) or the room.
            active &= si.is_valid() & (si.shape.emitter() == None)  # noqa: E711
            throughput *= weight
            light, weight, ray, si = self._direct(scene, sampler, ctx, si, ray, active)
            result += dr.select(active, throughput * light, 0.0)
        return result, mi.Bool(True), []

    def _direct(
        self, scene: Any, sampler: Any, ctx: Any, si: Any, ray: Any, active: Any
    ) -> tuple[Any, Any, Any, Any]:
        """Light reaching the camera from `si` straight from every light (light samples and
        BSDF samples, balance heuristic); and the last BSDF sample's weight, ray and hit."""
        result = mi.Spectrum(0.0)
        bsdf = si.bsdf(ray)
        n_em, n_bs = float(self.emitter_samples), float(self.bsdf_samples)
        # Every light is sampled on every sample (a studio has a handful): no light is
        # skipped by chance, which is most of the noise when one is picked at random.
        for _ in range(self.emitter_samples):
            for emitter in scene.emitters():
                ds, weight = emitter.sample_direction(si, sampler.next_2d(active), active)
                lit = active & (ds.pdf != 0.0)
                lit &= self._unblocked(scene, si, ds.p, lit)
                value, bsdf_pdf = bsdf.eval_pdf(ctx, si, si.to_local(ds.d), lit)
                mis = dr.select(ds.delta, 1.0, _balance(ds.pdf * n_em, bsdf_pdf * n_bs))
                result += dr.select(lit, weight * value * mis / n_em, 0.0)
        weight, ray_b, si_b = mi.Spectrum(0.0), ray, si
        for _ in range(self.bsdf_samples):
            bs, weight = bsdf.sample(
                ctx, si, sampler.next_1d(active), sampler.next_2d(active), active
            )
            ray_b = si.spawn_ray(si.to_world(bs.wo))
            si_b = scene.ray_intersect(ray_b, active)
            emitter = si_b.emitter(scene, active)
            hit = active & (emitter != None)  # noqa: E711
            radiance = emitter.eval(si_b, hit)
            ds = mi.DirectionSample3f(scene, si_b, si)
            delta = mi.has_flag(bs.sampled_type, mi.BSDFFlags.Delta)
            # This light's own pdf: each light is sampled here, none picked by the scene.
            em_pdf = emitter.pdf_direction(si, ds, hit & ~delta)
            mis = dr.select(delta, 1.0, _balance(bs.pdf * n_bs, em_pdf * n_em))
            result += dr.select(hit, weight * radiance * mis / n_bs, 0.0)
        return result, weight, ray_b, si_b

    def _unblocked(self, scene: Any, si: Any, target: Any, active: Any) -> Any:
        """Whether nothing but glass stands between `si` and `target`: light passes through
        up to `glass` glass walls, unbent (as through a window), so what a bottle encloses
        or shades is not black."""
        if not self.glass:
            return active & ~scene.ray_test(si.spawn_ray_to(target), active)
        ray = si.spawn_ray_to(target)
        clear, pending = mi.Bool(active), mi.Bool(active)
        for _ in range(self.glass):
            hit = scene.ray_intersect(ray, pending)
            glass = pending & hit.is_valid() & mi.has_flag(hit.bsdf().flags(), mi.BSDFFlags.Delta)
            clear &= ~(pending & hit.is_valid() & ~glass)
            pending = glass
            ray = dr.select(glass, hit.spawn_ray_to(target), ray)
        return clear & ~pending

    def _aovs(self, si: Any, ray: Any, active: Any) -> list[Any]:
        hit = active & si.is_valid()
        n = dr.select(hit, si.sh_frame.n, 0.0)
        p = dr.select(hit, si.p, 0.0)
        shape = dr.select(hit, mi.Float(dr.reinterpret_array(mi.UInt32, si.shape)), -1.0)
        albedo = dr.select(hit, si.bsdf(ray).eval_diffuse_reflectance(si, hit), 0.0)
        return [n.x, n.y, n.z, p.x, p.y, p.z, shape, albedo[0], albedo[1], albedo[2]]

    def aov_names(self) -> list[str]:
        return AOV_NAMES if self.aovs else []

    def to_string(self) -> str:
        samples = f"emitter_samples={self.emitter_samples}, bsdf_samples={self.bsdf_samples}"
        return f"StudioDirect[{samples}]"


mi.register_integrator(NAME, lambda props: StudioDirect(props))

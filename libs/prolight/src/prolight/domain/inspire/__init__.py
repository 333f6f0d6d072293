"""Inspire mode: a lighting setup measured from an image, with a confidence for each field.

`measuring.read_image(data)` accepts PNG, JPEG and WebP bytes only (`prolight.domain.imaging`: by
signature, then by decoding), at most `MAX_IMAGE_BYTES` bytes; nothing is ever fetched from a
URL. `measuring.measure(image)` reads the lighting off the pixels:

1. **Framing.** The subject's geometry is the photoreal renderer's own sitter (or bottle), as
   its camera sees it: for each candidate framing (`FRAMINGS`: shot type, head turn, subject
   kind) one unlit ray pass at the image's size (`photoreal.surfaces`) gives, per pixel of
   the subject, the surface point, normal and material (skin, lips, hair, top, eyes; glass,
   label, cap). The framing kept is the one whose outline and feature edges (eyes, lips,
   hairline, neckline) lie on the image's edges. (Shading alone cannot tell: a head turned
   30° lit from 90° shades like a frontal one lit from 60°.) An image of another face
   matches less well; the framing's confidence says so. Templates are cached per framing and
   size; the first image of a size costs ~2.7 s (Mitsuba compiles its kernels), the next
   ~0.15 s (docs/decisions/inspire-templates.md).
2. **Key direction**, from highlight and shadow positions: the image is decoded to scene
   luminance (the inverse of the renderer's filmic curve and sRGB), and the skin's luminance is
   fitted as `a·max(0, n·l₁) + b·max(0, n·l₂) + c` over the normals n: a key l₁ (in front of the
   subject), a second light l₂ and an ambient floor, by exhaustive search over directions
   (`COARSE_STEP_DEG`, then `FINE_STEP_DEG` around the best) with a linear least-squares fit
   per direction, refitted after dropping outliers (cast shadows, speculars). Where the lit
   side ends (the terminator) fixes l₁: a clamped cosine is not linear there. A product's
   glass and metal are mirrors, but its paper label is matte: the same fit over the label
   gives the key's azimuth (a vertical cylinder cannot show a light's height: the elevation
   comes from highlights on the shoulders, or is assumed, and the confidence says so). Where
   the label does not shade as matte paper would, the azimuth is where the brightest
   highlights' mirror directions pile up.
3. **Ratio**, from the lit/shadow luminance: the face meter of the renderer
   (`render.measure.read_probes`, two cheek probes at fixed normals in the sitter's meter
   zone; on a product, two probes on its label, where a photographer would meter a bottle)
   read on the image's luminance. More than `RATIO_CAP_STOPS` (the shadow side at the noise
   floor of 8 bits) is reported as the cap: "at least". A product's ratio is trusted as far as
   its label shades as matte paper (the fit's R²): not at all below `LABEL_MIN_R2`.
4. **Colour temperature**, from the neutral areas: the brightest quarter of the low-saturation
   backdrop pixels, matched to the kelvin whose colour (at a 5600 K white balance) has the same
   red/blue balance.
5. **The setup**: the key where measured; a fill on the other side at eye level whose power
   reproduces the measured ratio (`physics.face.face_light`, bisection); the camera exposed for
   the key; the framing's camera and subject.

Units: degrees (azimuth positive camera-right, elevation positive up), stops, kelvin.

    estimate.py       `Estimate`, `Reading`, `MAX_IMAGE_BYTES`: no numpy (the contracts use them)
    framing.py        step 1: the candidate framings and their templates
    fitting.py        the shading fit of step 2
    key_direction.py  step 2 for a face and for a product
    tone.py           scene luminance from sRGB; step 4
    measuring.py      `read_image`, `measure`: steps 3 and 5
"""

from __future__ import annotations

from prolight.domain.inspire.estimate import MAX_IMAGE_BYTES, RATIO_CAP_STOPS, Estimate, Reading

# Only the numpy-free half is re-exported: the contracts import this package for `Estimate`
# and `MAX_IMAGE_BYTES`; `measure` and `read_image` come from `inspire.measuring`.
__all__ = ["MAX_IMAGE_BYTES", "RATIO_CAP_STOPS", "Estimate", "Reading"]

"""Light arriving at a surface and what it reflects: diffuse, specular, ambient, shadows.

Units. Light is carried as illuminance (lux); a surface's *value* is
`albedo × E / meter_lux` (+ specular), so a surface of albedo ρ lit by exactly the illuminance
the camera is exposed for renders as ρ (an 18 % card as middle grey). This is the incident
meter's calibration, which makes the camera's aperture, ISO and shutter drive exposure.

Diffuse light from a disc source uses the same disc model as `physics/face.py` (a table made
by it, see `scene._disc_lut`), inverse-square falloff from the light's actual position, the
beam's cone and the shadow map. Specular is a normalised Blinn-Phong lobe widened by the
source's angular size (a big softbox makes a broad sheen, a bare head a pin-point), with
Schlick's Fresnel. Eyes instead mirror each source as what it is — a disc of its angular size
on a spherical cornea (`eye_normals`): the catchlight, a small bright shape of the modifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from prolight.domain.render.relief import Material
from prolight.domain.render.scene import Scene, SceneLight, rotate_y

__all__ = [
    "LUMA",
    "MATERIALS",
    "SHARP",
    "MaterialSpec",
    "SubjectShading",
    "shade_backdrop",
    "shade_subject",
    "surface_albedo",
]

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)
"""Rec.709 luminance weights of linear R, G, B."""


@dataclass(frozen=True)
class MaterialSpec:
    """Albedo (linear RGB), Fresnel reflectance at normal incidence, Blinn exponent, and how
    much of the surroundings it mirrors (0 for matte, 1 for glass and metal)."""

    albedo: tuple[float, float, float]
    f0: tuple[float, float, float]
    exponent: float
    mirror: float


MATERIALS: dict[Material, MaterialSpec] = {
    Material.NONE: MaterialSpec((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), 1.0, 0.0),
    Material.SKIN: MaterialSpec((0.60, 0.37, 0.28), (0.028, 0.028, 0.028), 22.0, 0.0),
    Material.LIPS: MaterialSpec((0.46, 0.20, 0.18), (0.035, 0.035, 0.035), 55.0, 0.0),
    Material.EYE: MaterialSpec((0.36, 0.34, 0.32), (0.05, 0.05, 0.05), 3000.0, 0.6),
    Material.HAIR: MaterialSpec((0.055, 0.032, 0.018), (0.046, 0.046, 0.046), 35.0, 0.0),
    Material.CLOTH: MaterialSpec((0.045, 0.045, 0.05), (0.02, 0.02, 0.02), 8.0, 0.0),
    Material.GLASS: MaterialSpec((0.012, 0.045, 0.025), (0.04, 0.04, 0.04), 2500.0, 1.0),
    Material.CAP: MaterialSpec((0.0, 0.0, 0.0), (0.92, 0.80, 0.55), 180.0, 1.0),
    # Uncoated cream paper: nearly Lambertian, a faint broad sheen, mirrors nothing.
    Material.LABEL: MaterialSpec((0.70, 0.66, 0.56), (0.035, 0.035, 0.035), 6.0, 0.0),
}

SHARP = np.array([MATERIALS[m].exponent >= 1000 or MATERIALS[m].mirror > 0 for m in Material])
"""Per material: a sharp highlight or a mirror (eyes, glass, metal), shaded at full resolution."""

_IRIS = np.array([0.07, 0.04, 0.022], np.float32)
_PUPIL = np.array([0.01, 0.01, 0.01], np.float32)


@dataclass(frozen=True)
class SubjectShading:
    """Shaded subject hits: the value (linear RGB, see module doc) and its diffuse luminance."""

    value: F32  # (n, 3)
    diffuse_luminance: F32  # (n,) luminance of the diffuse part only (the face meter reads it)
    irradiance: dict[str, F32]  # lux arriving from each subject-lighting light, by role
    light: F32  # (n, 6): diffuse illuminance (RGB, lux, ambient included) and the specular
    # value (RGB) — the lighting, without the albedo, that half-resolution shading interpolates


def _smoothstep(e0: float, e1: float, v: F32) -> F32:
    t = np.clip((v - np.float32(e0)) / np.float32(e1 - e0), 0.0, 1.0)
    out: F32 = t * t * (3 - 2 * t)
    return out


def _smoothstep_v(e0: F32, e1: F32, v: F32) -> F32:
    """Smoothstep with per-point edges."""
    t = np.clip((v - e0) / np.maximum(e1 - e0, np.float32(1e-9)), 0.0, 1.0)
    out: F32 = t * t * (3 - 2 * t)
    return out


EYE_CENTRE = (0.032, 0.0175)
"""|x| and y (metres, subject frame) of the centre of each eye (the iris), as `relief.py` draws."""

CORNEA_RADIUS_M = 0.0078
"""Radius of curvature of the cornea (an adult's is 7.5–8 mm): it sets the catchlight's size."""

EYEBALL_RADIUS_M = 0.012
"""Radius of the eyeball around the cornea (the white of the eye)."""

CORNEA_F0 = np.float32(0.025)
"""Fresnel reflectance of the cornea's tear film at normal incidence (n ≈ 1.376)."""

CATCHLIGHT_EDGE = 0.15
"""Half-width of the catchlight's edge, as a share of the source's angular radius."""


def eye_normals(points: F32) -> F32:
    """Outward normals (3, n) of the eye's optical surface at eye points (n, 3): the cornea, a
    sphere of `CORNEA_RADIUS_M`, over the iris, the eyeball's sphere around it. The relief's
    eye is a shallow bump, far flatter than an eye, and would mirror a light as a blob across
    the whole iris; a real cornea shrinks the source to a small catchlight."""
    dx = np.abs(points[:, 0]) - np.float32(EYE_CENTRE[0])
    dx = np.where(points[:, 0] < 0, -dx, dx)
    dy = points[:, 1] - np.float32(EYE_CENTRE[1])
    r2 = dx * dx + dy * dy
    radius = np.where(
        r2 < np.float32(0.85 * CORNEA_RADIUS_M) ** 2,
        np.float32(CORNEA_RADIUS_M),
        np.float32(EYEBALL_RADIUS_M),
    )
    dz = np.sqrt(np.maximum(radius * radius - r2, np.float32(1e-8)))
    n = np.stack([dx, dy, dz]).astype(np.float32)
    out: F32 = (n / np.sqrt(_dot(n, n))).astype(np.float32)
    return out


def _table(attr: str) -> F32:
    rows = [getattr(MATERIALS[m], attr) for m in Material]
    return np.array(rows, np.float32)


_ALBEDO = _table("albedo")
_F0 = _table("f0")
_EXPONENT = np.array([MATERIALS[m].exponent for m in Material], np.float32)
# Forward scattering at grazing angles — hair fibres, the fine down on skin, the pile of cloth —
# is what makes a light from behind draw a bright edge; a plain Lambert term leaves rims dim.
_SHEEN = np.array(
    [
        {Material.HAIR: 8.0, Material.SKIN: 3.0, Material.LIPS: 1.5, Material.CLOTH: 6.0}.get(
            m, 0.0
        )
        for m in Material
    ],
    np.float32,
)
_MIRROR = np.array([MATERIALS[m].mirror for m in Material], np.float32)


def _by_material(table: F32, material: NDArray[np.uint8]) -> F32:
    """Per-point rows of a per-material (m, 3) table, as (3, n) planes (1-D takes are fast)."""
    out: F32 = np.stack([np.take(table[:, k], material) for k in range(table.shape[1])])
    return out


def surface_albedo(scene: Scene, points: F32, material: NDArray[np.uint8]) -> F32:
    """Linear RGB albedo (n, 3) of subject points (subject frame) of the given materials."""
    albedo = _by_material(_ALBEDO, material).T
    skinlike = (material == Material.SKIN) | (material == Material.LIPS)
    albedo = np.where(skinlike[:, None], albedo * scene.skin_tint.astype(np.float32), albedo)
    eye = material == Material.EYE
    if eye.any():
        # The iris and pupil of each eye, looking at the camera.
        r = np.hypot(np.abs(points[:, 0]) - np.float32(0.032), points[:, 1] - np.float32(0.0175))
        albedo = np.where((eye & (r < 0.0062))[:, None], _IRIS, albedo)
        albedo = np.where((eye & (r < 0.0022))[:, None], _PUPIL, albedo)
    return albedo.astype(np.float32)


def _dot(a: F32, b: F32 | NDArray[np.float64]) -> F32:
    """Row-wise dot product of (3, n) planes with (3, n) planes or a (3,) vector.

    Written out per component: an (n, 3) reduction is slow in NumPy, and `@` may go through a
    multithreaded BLAS whose summation order is not fixed.
    """
    if b.ndim == 1:
        out: F32 = a[0] * np.float32(b[0]) + a[1] * np.float32(b[1]) + a[2] * np.float32(b[2])
        return out
    out2: F32 = a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    return out2


def _light_terms(
    light: SceneLight, pos: F32, aim: F32, p: F32, n: F32
) -> tuple[F32, F32, F32, F32]:
    """Direction to the light (3, n), distance, disc-Lambert factor and lux×falloff×beam.

    Points `p` and normals `n` as (3, n) planes, subject frame, metres.
    """
    to_l = pos[:, None] - p
    dist2 = _dot(to_l, to_l)
    dist = np.sqrt(dist2)
    l_dir: F32 = (to_l / dist).astype(np.float32)
    # The disc-Lambert term takes the light's direction at the subject's centre, as the face
    # meter does: across a face (±5 cm) a light a metre away shifts by 2–3°, invisible, but at a
    # grazing cheek those degrees are tenths of a stop the prediction would not share. Falloff,
    # beam, highlights and shadows use the true position.
    centre_dir = pos / np.sqrt(np.float32((pos * pos).sum()))
    cos_n = _dot(n, centre_dir)
    lambert = np.interp(cos_n, light.lut_cos, light.lut_value).astype(np.float32)
    cos_b = -_dot(l_dir, aim)
    beam = _smoothstep(light.cos_outer, light.cos_inner, cos_b)
    e = np.float32(light.lux * light.distance**2) / dist2 * beam
    return l_dir.astype(np.float32), dist.astype(np.float32), lambert, e.astype(np.float32)


def shade_subject(
    scene: Scene,
    points: F32,
    normals: F32,
    material: NDArray[np.uint8],
    eye: NDArray[np.float64],
    visibility: list[F32],
    environment: F32,
) -> SubjectShading:
    """Shade subject points (n, 3) (subject frame) seen from `eye`; `visibility[i]` per point
    for each subject-lighting light, in the order of `scene.lights` filtered by
    `lights_subject`. `environment` (3,) is the mean value of the surroundings that glossy
    surfaces mirror."""
    p = np.ascontiguousarray(points.T)
    n = np.ascontiguousarray(normals.T)
    v_dir = eye.astype(np.float32)[:, None] - p
    v_dir /= np.sqrt(_dot(v_dir, v_dir))
    n_dot_v = np.clip(_dot(n, v_dir), 0.0, 1.0)
    f0 = _by_material(_F0, material)
    exponent = np.take(_EXPONENT, material)
    inv_exponent = np.float32(1.0) / exponent
    ambient = scene.ambient_rgb.astype(np.float32) * np.float32(scene.ambient_lux)
    diffuse = np.empty_like(p)
    diffuse[:] = ambient[:, None]
    specular = np.zeros_like(p)
    grazing = (1 - n_dot_v) * (1 - n_dot_v)
    sheen = np.take(_SHEEN, material) * grazing * grazing
    lights = [lt for lt in scene.lights if lt.lights_subject]
    irradiance: dict[str, F32] = {}
    eyes = np.flatnonzero(material == Material.EYE)
    not_eye = (material != Material.EYE).astype(np.float32)
    if len(eyes):
        cornea = eye_normals(points[eyes])
        v_eye = v_dir[:, eyes]
        c_dot_v = np.clip(_dot(cornea, v_eye), 0.0, 1.0)
        reflect = 2 * c_dot_v * cornea - v_eye
        cc = 1 - c_dot_v
        cornea_fresnel = CORNEA_F0 + (1 - CORNEA_F0) * (cc * cc * cc * cc * cc)
    for light, vis in zip(lights, visibility, strict=True):
        pos = rotate_y(light.position, -scene.subject_yaw_deg).astype(np.float32)
        aim = rotate_y(light.aim, -scene.subject_yaw_deg).astype(np.float32)
        l_dir, dist, lambert, e = _light_terms(light, pos, aim, p, n)
        e_lit = e * vis * lambert
        irradiance[light.role.value] = e_lit
        rgb = light.rgb.astype(np.float32)
        diffuse += rgb[:, None] * e_lit
        h = l_dir + v_dir
        h /= np.maximum(np.sqrt(_dot(h, h)), np.float32(1e-6))
        n_dot_h = np.clip(_dot(n, h), 1e-4, 1.0)
        # The source's angular radius widens the lobe: a mirror shows the disc itself.
        alpha = np.float32(light.size_m / 2) / dist
        k = np.float32(1.0) / (inv_exponent + alpha * alpha * np.float32(0.125))
        lobe = (k + 8) * np.float32(0.125) * np.exp(k * np.log(n_dot_h))
        v_dot_h = np.clip(_dot(v_dir, h), 0.0, 1.0)
        c = 1 - v_dot_h
        c2 = c * c
        schlick = c2 * c2 * c
        fresnel = f0 + (1 - f0) * schlick
        specular += fresnel * (rgb[:, None] * (e_lit * lobe * not_eye))
        if len(eyes):
            # The catchlight: the cornea mirrors the source itself, a disc of the source's
            # angular radius seen in the reflected direction, with the source's radiance
            # (its irradiance at normal incidence over π·sin²α, in value units ×π).
            li = l_dir[:, eyes]
            cos_rl = _dot(reflect, li)
            sin_a2 = np.float32((light.size_m / 2) ** 2) / (
                dist[eyes] ** 2 + np.float32((light.size_m / 2) ** 2)
            )
            half_angle = np.arcsin(np.sqrt(sin_a2))
            inside = _smoothstep_v(
                np.cos(half_angle * np.float32(1.0 + CATCHLIGHT_EDGE)),
                np.cos(half_angle * np.float32(1.0 - CATCHLIGHT_EDGE)),
                cos_rl,
            )
            radiance = e[eyes] * vis[eyes] * inside / sin_a2
            specular[:, eyes] += (cornea_fresnel * rgb[:, None]) * radiance
        backlit = np.clip(-_dot(v_dir, l_dir), 0.0, 1.0)
        specular += rgb[:, None] * (e_lit * sheen * backlit)
    meter = np.float32(1.0 / scene.meter_lux)
    albedo = np.ascontiguousarray(surface_albedo(scene, points, material).T)
    diffuse_value = albedo * diffuse * meter
    mirror = np.take(_MIRROR, material)
    env_fresnel = f0 + (1 - f0) * (grazing * grazing * (1 - n_dot_v))
    specular_value = specular * meter + (mirror * env_fresnel) * environment[:, None]
    value = diffuse_value + specular_value
    return SubjectShading(
        value=np.ascontiguousarray(value.T),
        diffuse_luminance=_dot(diffuse_value, LUMA),
        irradiance=irradiance,
        light=np.ascontiguousarray(np.concatenate([diffuse, specular_value]).T),
    )


@dataclass(frozen=True)
class Capsule:
    """A shadow-casting stand-in for the subject on the backdrop: segment a→b, radius (m)."""

    a: F64
    b: F64
    radius: float


PORTRAIT_OCCLUDERS = (
    Capsule(np.array([0.0, -0.03, -0.075]), np.array([0.0, 0.035, -0.08]), 0.088),
    Capsule(np.array([0.0, -0.06, -0.088]), np.array([0.0, -0.20, -0.088]), 0.046),
    Capsule(np.array([-0.11, -0.29, -0.105]), np.array([0.11, -0.29, -0.105]), 0.1),
    Capsule(np.array([0.0, -0.36, -0.105]), np.array([0.0, -3.0, -0.105]), 0.17),
)
PRODUCT_OCCLUDERS = (
    Capsule(np.array([0.0, -0.08, 0.0]), np.array([0.0, 0.02, 0.0]), 0.044),
    Capsule(np.array([0.0, 0.02, 0.0]), np.array([0.0, 0.14, 0.0]), 0.016),
)


def _capsule_visibility(p: F32, light_pos: F32, size: float, cap: Capsule) -> F32:
    """Share of a disc light seen from `p` past one capsule (segment–segment distance)."""
    a = cap.a.astype(np.float32)
    d2 = (cap.b - cap.a).astype(np.float32)
    d1 = light_pos - p
    r = p - a
    aa = d1[:, 0] * d1[:, 0] + d1[:, 1] * d1[:, 1] + d1[:, 2] * d1[:, 2]
    e = np.float32((d2 * d2).sum())
    f = r[:, 0] * d2[0] + r[:, 1] * d2[1] + r[:, 2] * d2[2]
    c = d1[:, 0] * r[:, 0] + d1[:, 1] * r[:, 1] + d1[:, 2] * r[:, 2]
    b = d1[:, 0] * d2[0] + d1[:, 1] * d2[1] + d1[:, 2] * d2[2]
    denom = aa * e - b * b
    s = np.where(denom > 1e-9, np.clip((b * f - c * e) / np.maximum(denom, 1e-9), 0.0, 1.0), 0.0)
    t = (b * s + f) / e
    s = np.where(t < 0, np.clip(-c / aa, 0.0, 1.0), np.where(t > 1, np.clip((b - c) / aa, 0, 1), s))
    t = np.clip(t, 0.0, 1.0)
    closest = p + d1 * s[:, None] - (a + d2 * t[:, None])
    dist = np.sqrt(closest[:, 0] ** 2 + closest[:, 1] ** 2 + closest[:, 2] ** 2)
    # The cone from p to the disc has radius s·size/2 where it passes the capsule.
    cone = np.float32(size / 2) * s + np.float32(0.002)
    v = np.clip(0.5 + 0.5 * (dist - cap.radius) / cone, 0.0, 1.0)
    out: F32 = v * v * (3 - 2 * v)
    return out


def shade_backdrop(scene: Scene, points: F32, normals: F32) -> F32:
    """Value (linear RGB) of backdrop points (world frame), with the subject's soft shadow."""
    p = points
    occluders = PORTRAIT_OCCLUDERS if scene.kind == "portrait" else PRODUCT_OCCLUDERS
    occ_world = [
        Capsule(
            rotate_y(c.a, scene.subject_yaw_deg), rotate_y(c.b, scene.subject_yaw_deg), c.radius
        )
        for c in occluders
    ]
    e_rgb = np.zeros_like(p) + scene.ambient_rgb.astype(np.float32) * np.float32(scene.ambient_lux)
    for light in scene.lights:
        pos = light.position.astype(np.float32)
        to_l = pos - p
        dist2 = to_l[:, 0] ** 2 + to_l[:, 1] ** 2 + to_l[:, 2] ** 2
        l_dir = to_l / np.sqrt(dist2)[:, None]
        cos_n = np.clip(
            l_dir[:, 0] * normals[:, 0] + l_dir[:, 1] * normals[:, 1] + l_dir[:, 2] * normals[:, 2],
            0.0,
            1.0,
        )
        aim = light.aim.astype(np.float32)
        cos_b = -(l_dir[:, 0] * aim[0] + l_dir[:, 1] * aim[1] + l_dir[:, 2] * aim[2])
        beam = _smoothstep(light.cos_outer, light.cos_inner, cos_b)
        e = np.float32(light.lux * light.distance**2) / dist2 * beam * cos_n
        if light.lights_subject:
            for cap in occ_world:
                e = e * _capsule_visibility(p, pos, light.size_m, cap)
        e_rgb += e[:, None] * light.rgb.astype(np.float32)
    value: F32 = scene.backdrop_albedo.astype(np.float32) * e_rgb / np.float32(scene.meter_lux)
    return value

"""The studio as Mitsuba 3 sees it: the sitter (or the bottle), the sweep, and the lights.

Everything comes from `render.scene.build_scene` (camera, lights, exposure, backdrop, the
seed's pose jitter), so the two renderers frame and expose a setup alike. Units: metres, and
emitter radiance in lux/π, so a white Lambertian surface under `E` lux reflects `E/π`; the
renderer scales by π/`meter_lux` (the camera's exposure) before the tone curve.

Lights are real emitters of the modifier's shape and size (`light_shapes`): rectangles for
softboxes, strips for stripboxes, discs for octaboxes, umbrellas, dishes and bare reflectors (a
beauty dish as the ring round its centre deflector), and a spot with the beam's cone for grids,
snoots and fresnels. Radiance is set so the on-axis illuminance at the light's distance is the
`on_axis_lux` the analysis uses; falloff and shadow softness then follow from the geometry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from prolight.domain.photoreal.engine import mi
from prolight.domain.physics.emitter import (
    DISH_DEFLECTOR,
    SPOT_CUTOFF_SHARE,
    SPOT_FULL_SHARE,
    is_spot,
    outline,
    polygon_sides,
)
from prolight.domain.render.relief import (
    LABEL_BOTTOM_Y,
    LABEL_TOP_Y,
    PRODUCT_BASE_Y,
    bottle_radius,
)
from prolight.domain.render.scene import Scene, SceneLight, rotate_y
from prolight.domain.schema import Role, SubjectKind
from prolight.domain.sitter.body import Appearance, Part, body_colour, human, wrapped_grid_faces

__all__ = ["SKIN_SHAPE", "emitter_radiance", "studio"]

F64 = NDArray[np.float64]

SKIN_SHAPE = "skin"


def _mesh(
    name: str,
    part: Part,
    yaw_deg: float,
    colour: F64,
    bsdf: dict[str, Any],
    uvs: NDArray[np.float32] | None = None,
) -> Any:
    """A Mitsuba mesh of `part` turned by `yaw_deg`, its vertices coloured `colour` × tint
    (read by the BSDF as the `vertex_color` attribute)."""
    positions = rotate_y(part.positions.astype(np.float64), yaw_deg).astype(np.float32)
    normals = rotate_y(part.normals.astype(np.float64), yaw_deg).astype(np.float32)
    props = mi.Properties()
    props["bsdf"] = mi.load_dict(bsdf)
    mesh = mi.Mesh(
        name,
        vertex_count=len(positions),
        face_count=len(part.faces),
        props=props,
        has_vertex_normals=True,
        has_vertex_texcoords=uvs is not None,
    )
    mesh.add_attribute("vertex_color", 3, (part.tint * colour.astype(np.float32)).ravel().tolist())
    params = mi.traverse(mesh)
    params["vertex_positions"] = mi.Float(positions.ravel())
    params["faces"] = mi.UInt32(part.faces.astype(np.uint32).ravel())
    params["vertex_normals"] = mi.Float(normals.ravel())
    if uvs is not None:
        params["vertex_texcoords"] = mi.Float(uvs.ravel())
    params.update()
    return mesh


_VERTEX_COLOUR = {"type": "mesh_attribute", "name": "vertex_color"}

SKIN_BSDF: dict[str, Any] = {
    # Mitsuba has no subsurface term: a soft sheen and a broad, weak specular lobe read as
    # skin at portrait distances (docs/decisions/photoreal-renderer.md).
    "type": "principled",
    "base_color": _VERTEX_COLOUR,
    "roughness": 0.55,
    "specular": 0.3,
    "sheen": 0.5,
}
MATTE_BSDF: dict[str, Any] = {"type": "diffuse", "reflectance": _VERTEX_COLOUR}
"""Paper: the bottle's label and the backdrop's sweep."""
EYE_BSDF: dict[str, Any] = {
    # A wet cornea over the iris and sclera: a sharp coat that mirrors the lights (catchlights).
    "type": "principled",
    "base_color": _VERTEX_COLOUR,
    "roughness": 0.02,
    "specular": 0.6,
}
GLASS_BSDF: dict[str, Any] = {"type": "dielectric", "int_ior": 1.5}
METAL_BSDF: dict[str, Any] = {"type": "roughconductor", "material": "Al", "alpha": 0.15}

LABEL_RGB = np.array([0.75, 0.68, 0.52])


def _sweep(scene: Scene) -> Any:
    """The paper sweep (wall, cove, floor) as a mesh, 6 m wide, world frame."""
    d, fy, r = scene.backdrop_distance, scene.floor_y, scene.cove_radius
    profile = [(fy + 4.0, -d)]
    for k in range(13):
        a = math.radians(90 * k / 12)  # from the wall (0) to the floor (90°)
        profile.append((fy + r - r * math.sin(a), -d + r - r * math.cos(a)))
    profile.append((fy, 6.0))
    ys, zs = np.array(profile).T
    xs = np.array([-3.0, 3.0])
    pos = np.stack(
        [
            np.repeat(xs[None, :], len(ys), 0),
            np.repeat(ys[:, None], 2, 1),
            np.repeat(zs[:, None], 2, 1),
        ],
        axis=-1,
    ).reshape(-1, 3)
    faces = []
    for k in range(len(ys) - 1):
        a, b, c, e = 2 * k, 2 * k + 1, 2 * k + 2, 2 * k + 3
        faces += [[a, c, b], [b, c, e]]
    return _mesh("backdrop", Part.of(pos, np.array(faces)), 0.0, scene.backdrop_albedo, MATTE_BSDF)


def _frame(position: F64, aim: F64) -> Any:
    target = position + aim
    up = [0.0, 1.0, 0.0] if abs(aim[1]) < 0.99 else [0.0, 0.0, 1.0]
    return mi.ScalarTransform4f().look_at(origin=position.tolist(), target=target.tolist(), up=up)


def emitter_radiance(outline: str, half_w: float, half_h: float, distance: float) -> float:
    """Radiance of a Lambertian source whose on-axis illuminance at `distance` is 1 lux:
    a rectangle of half-sides `half_w`, `half_h`; a disc (or polygon, by its area) of radius
    `half_w`; a ring from `half_h` out to `half_w` (a beauty dish round its deflector)."""
    d = distance

    def disc(r: float) -> float:  # E / L of a disc of radius r, on its axis
        return math.pi * r * r / (r * r + d * d)

    if outline == "rect":
        a, b = half_w, half_h
        ra, rb = math.hypot(a, d), math.hypot(b, d)
        return 1.0 / (2 * (a / ra * math.atan(b / ra) + b / rb * math.atan(a / rb)))
    if outline == "ring":
        return 1.0 / (disc(half_w) - disc(half_h))
    return 1.0 / disc(half_w)


def _outline(modifier_shape: str, size: float) -> tuple[F64, F64 | None, str, float, float]:
    """The emitting face in the light's own plane: outer polygon (k, 2) in metres, the inner
    one of a ring (or None), and the radiance outline with its two half-sizes
    (`physics.emitter.outline`, which the analysis reads too)."""
    shape = outline(modifier_shape, size)
    if shape.kind == "rect":
        hw, hh = shape.half_w, shape.half_h
        return np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]]), None, "rect", hw, hh
    sides = polygon_sides(modifier_shape)
    a = np.linspace(0.0, 2 * math.pi, sides, endpoint=False) + math.pi / sides
    ring = np.stack([np.cos(a), np.sin(a)], axis=1)
    r = size / 2
    if shape.kind == "ring":
        return r * ring, DISH_DEFLECTOR * r * ring, "ring", shape.half_w, shape.half_h
    return r * ring, None, "disc", shape.half_w, shape.half_h


def _emitter_mesh(
    name: str, light: SceneLight, outer: F64, inner: F64 | None, radiance: list[float]
) -> Any:
    """An emitting mesh of the `outer` polygon (less the `inner` one, a ring) in the light's
    plane, facing along its aim."""
    aim = light.aim / np.linalg.norm(light.aim)
    helper = np.array([0.0, 1.0, 0.0]) if abs(aim[1]) < 0.99 else np.array([0.0, 0.0, 1.0])
    right = np.cross(helper, aim)
    right /= np.linalg.norm(right)
    up = np.cross(aim, right)  # right × up = aim: counter-clockwise faces face the subject
    k = len(outer)
    if inner is None:
        flat = np.concatenate([[[0.0, 0.0]], outer])
        faces = [[0, 1 + i, 1 + (i + 1) % k] for i in range(k)]
    else:
        flat = np.concatenate([outer, inner])
        faces = []
        for i in range(k):
            j = (i + 1) % k
            faces += [[i, j, k + j], [i, k + j, k + i]]
    positions = light.position + flat[:, :1] * right + flat[:, 1:] * up
    props = mi.Properties()
    props["emitter"] = mi.load_dict(
        {
            "type": "area",
            "radiance": {"type": "rgb", "value": radiance},
            "sampling_weight": light.lux,
        }
    )
    # Transparent to every ray that is not lighting with it: the camera sees through the gear
    # (integrator.py), as it sees past a light stand in a studio preview.
    props["bsdf"] = mi.load_dict({"type": "null"})
    mesh = mi.Mesh(name, vertex_count=len(positions), face_count=len(faces), props=props)
    params = mi.traverse(mesh)
    params["vertex_positions"] = mi.Float(positions.astype(np.float32).ravel())
    params["faces"] = mi.UInt32(np.array(faces, np.uint32).ravel())
    params.update()
    return mesh


BACKGROUND_REACH = 0.45
"""A background light stands at most this share of the backdrop's distance from the point it
lights (the analysis's place for it, `distance` along its direction from that point, can be
inside the sitter); its radiance keeps that point's illuminance."""


def _placed(light: SceneLight, backdrop_distance: float) -> SceneLight:
    if light.role != Role.BACKGROUND:
        return light
    reach = min(light.distance, BACKGROUND_REACH * backdrop_distance)
    target = light.position + light.aim * light.distance
    return replace(light, position=target - light.aim * reach, distance=reach)


def light_shapes(light: SceneLight, modifier_shape: str, beam_deg: float) -> dict[str, Any]:
    """The Mitsuba emitter of one light, keyed by its role."""
    rgb = light.rgb * light.lux
    name = light.role.value
    if is_spot(beam_deg):
        return {
            name: {
                "type": "spot",
                "to_world": _frame(light.position, light.aim),
                "intensity": {"type": "rgb", "value": (rgb * light.distance**2).tolist()},
                "cutoff_angle": min(89.0, beam_deg * SPOT_CUTOFF_SHARE),
                "beam_width": beam_deg * SPOT_FULL_SHARE,
                "sampling_weight": light.lux,
            }
        }
    outer, inner, outline, half_w, half_h = _outline(modifier_shape, light.size_m)
    radiance = emitter_radiance(outline, half_w, half_h, light.distance)
    return {name: _emitter_mesh(name, light, outer, inner, (rgb * radiance).tolist())}


@cache
def _body_bitmap(appearance: Appearance, skin_rgb: tuple[float, float, float]) -> Any:
    return mi.Bitmap(body_colour(appearance, skin_rgb))


def _portrait(scene: Scene, appearance: Appearance, skin_rgb: F64) -> dict[str, Any]:
    h = human(appearance)
    yaw = scene.subject_yaw_deg
    texture = {
        "type": "bitmap",
        "bitmap": _body_bitmap(
            appearance, (float(skin_rgb[0]), float(skin_rgb[1]), float(skin_rgb[2]))
        ),
        "raw": True,  # linear values already
        "filter_type": "bilinear",
    }
    skin_bsdf = SKIN_BSDF | {"base_color": texture}
    return {
        "skin": _mesh("skin", h.body, yaw, np.ones(3), skin_bsdf, uvs=h.uvs),
        "eyes": _mesh("eyes", h.eyes, yaw, np.ones(3), EYE_BSDF),
    }


def _lathe(
    y0: float, y1: float, steps: int = 96, sectors: int = 64
) -> tuple[F64, NDArray[np.int32]]:
    """A surface of revolution of the bottle's profile between heights y0 and y1 (metres)."""
    ys = np.linspace(y0, y1, steps)
    rs = bottle_radius(ys.astype(np.float32)).astype(np.float64)
    a = np.linspace(0.0, 2 * math.pi, sectors, endpoint=False)
    pos = np.stack(
        [
            rs[:, None] * np.sin(a)[None, :],
            np.repeat(ys[:, None], sectors, 1),
            rs[:, None] * np.cos(a)[None, :],
        ],
        axis=-1,
    ).reshape(-1, 3)
    # The rings turn the other way round y than the eye's round z: reversed to face out.
    return pos, wrapped_grid_faces(steps, sectors)[:, ::-1].copy()


def _product(scene: Scene) -> dict[str, Any]:
    def part(y0: float, y1: float, grow: float = 0.0) -> Part:
        pos, faces = _lathe(y0, y1)
        pos[:, [0, 2]] *= 1 + grow
        return Part.of(pos, faces)

    one = np.ones(3)
    return {
        "glass": _mesh("glass", part(PRODUCT_BASE_Y, 0.118), 0.0, one, GLASS_BSDF),
        "label": _mesh(
            "label", part(LABEL_BOTTOM_Y, LABEL_TOP_Y, 0.01), 0.0, LABEL_RGB, MATTE_BSDF
        ),
        "cap": _mesh("cap", part(0.118, 0.1505), 0.0, one, METAL_BSDF),
    }


def studio(
    scene: Scene,
    shapes: Mapping[str, tuple[str, float]],
    *,
    appearance: Appearance,
    skin_rgb: F64,
    integrator: dict[str, Any],
    width: int,
    height: int,
    spp: int,
) -> Any:
    """The Mitsuba scene of `scene`: subject, sweep, lights, ambient, camera and film.

    `shapes` maps each light's role to its modifier's shape and full beam angle in degrees.
    """
    cam = scene.camera
    objects: dict[str, Any] = {
        "type": "scene",
        "integrator": integrator,
        "sensor": {
            "type": "perspective",
            "fov": math.degrees(2 * math.atan(cam.tan_half_fov)),
            "fov_axis": "x",
            "to_world": mi.ScalarTransform4f().look_at(
                origin=cam.position.tolist(),
                target=(cam.position + cam.forward).tolist(),
                up=cam.up.tolist(),
            ),
            "film": {
                "type": "hdrfilm",
                "width": width,
                "height": height,
                "rfilter": {"type": "box"},
                "pixel_format": "rgb",
            },
            # Correlated multi-jittered samples: the least noise per sample of Mitsuba's
            # samplers at 2 and 16 a pixel on these scenes (bench/bench_render.py), and any
            # count (the stratified sampler rounds up to a square).
            "sampler": {"type": "multijitter", "sample_count": spp},
        },
    }
    if scene.kind == SubjectKind.PORTRAIT:
        objects |= _portrait(scene, appearance, skin_rgb)
    else:
        objects |= _product(scene)
    objects["backdrop"] = _sweep(scene)
    for light in scene.lights:
        shape, beam = shapes[light.role.value]
        objects |= light_shapes(_placed(light, scene.backdrop_distance), shape, beam)
    if scene.ambient_lux > 0:
        # A uniform room: radiance L from every direction gives E = πL on any open surface.
        objects["ambient"] = {
            "type": "constant",
            "radiance": {
                "type": "rgb",
                "value": (scene.ambient_rgb * scene.ambient_lux / math.pi).tolist(),
            },
            "sampling_weight": scene.ambient_lux,
        }
    return mi.load_dict(objects)

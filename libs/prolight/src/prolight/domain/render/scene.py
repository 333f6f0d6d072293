"""From a lighting setup to what the renderer draws: camera, lights, backdrop, subject pose.

Frames (all metres, degrees where named):
- *world* is the camera-relative frame of the schema: origin at the subject's face, x
  camera-right, y up, z towards the camera. Light directions, the backdrop and the camera live
  here.
- *subject* is world turned by the head turn (`Subject.head_turn_deg`, negative = towards
  camera-left) about the vertical axis: the subject's own face points along its +z. The relief
  (`relief.py`) is drawn in this frame.

Lights follow `physics/face.py` through a table of its `probe_lux` (`_disc_lut`, made for a bare
reflector of the light's size: the mannequin knows no modifier shapes): a light of
`Light.size_m` at `direction × distance`, facing the face, with `on_axis_lux` at the face and
inverse-square falloff elsewhere. A background light is placed `distance` metres in front of the
backdrop point behind the subject, along its direction, and aimed at that point (where the meter
reads it); it never lights the subject. Grids and snoots narrow the beam to
`ModifierSpec.beam_deg`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from prolight.domain.errors import RenderError
from prolight.domain.physics.face import probe_lux
from prolight.domain.physics.kelvin import kelvin_to_linear_rgb
from prolight.domain.physics.photometry import INCIDENT_METER_C, on_axis_lux
from prolight.domain.render.relief import PRODUCT_BASE_Y
from prolight.domain.schema import (
    CameraAngle,
    Direction,
    Light,
    LightingSetup,
    Role,
    ShotType,
    SubjectKind,
)
from prolight.domain.schema.light import MIN_LIGHT_DISTANCE_M
from prolight.domain.schema.setup import MIN_BACKDROP_M

__all__ = [
    "CAMERA_ELEVATION_DEG",
    "PORTRAIT_FLOOR_Y",
    "Camera3D",
    "Scene",
    "SceneLight",
    "build_scene",
    "camera_distance",
    "rotate_y",
]

F64 = NDArray[np.float64]

CAMERA_ELEVATION_DEG = {
    CameraAngle.EYE_LEVEL: 0.0,
    CameraAngle.HIGH_ANGLE: 20.0,
    CameraAngle.LOW_ANGLE: -15.0,
    CameraAngle.OVERHEAD: 60.0,
}
"""Degrees the camera stands above the subject's eye line for each camera angle."""

PORTRAIT_FLOOR_Y = -1.45
"""Metres from the face down to the studio floor (a seated sitter)."""

_EYE_Y = 0.018  # metres: eye line of the portrait, where an eye-level camera stands
_HEAD_TOP_Y = 0.145  # metres: top of the hair
_HEADROOM = 0.07  # share of the frame height left above the head


def rotate_y(v: F64, degrees: float) -> F64:
    """Rotate vectors (..., 3) about the vertical axis: +degrees turns +z towards +x."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    out = np.array(v, dtype=np.float64, copy=True)
    out[..., 0] = c * v[..., 0] + s * v[..., 2]
    out[..., 2] = -s * v[..., 0] + c * v[..., 2]
    return out


@dataclass(frozen=True)
class SceneLight:
    """One light as the renderer uses it (world frame, metres, lux)."""

    role: Role
    position: F64  # (3,) metres
    aim: F64  # (3,) unit vector along the beam's axis
    lux: float  # on-axis lux at `distance` metres
    distance: float  # metres from the light to what it is aimed at
    rgb: F64  # (3,) linear, luminance 1, white-balanced
    size_m: float  # metres, disc diameter
    cos_inner: float  # cosine of the angle off-axis where the beam starts to fall off
    cos_outer: float  # cosine of the angle off-axis where it has fallen to nothing
    lights_subject: bool  # False for a background light
    lut_cos: F64  # disc-Lambert table: cos(normal, axis) ascending …
    lut_value: F64  # … and the mean of max(0, n·l) over the disc, as in physics/face.py


@dataclass(frozen=True)
class Camera3D:
    """A pinhole camera (world frame): position, orthonormal basis, horizontal fov."""

    position: F64
    forward: F64
    right: F64
    up: F64
    tan_half_fov: float  # tan of half the horizontal field of view

    def turned(self, degrees: float) -> Camera3D:
        """The same camera in a frame turned by `degrees` about the vertical (see rotate_y)."""
        return Camera3D(
            rotate_y(self.position, degrees),
            rotate_y(self.forward, degrees),
            rotate_y(self.right, degrees),
            rotate_y(self.up, degrees),
            self.tan_half_fov,
        )

    def rays(self, width: int, height: int, block: int = 1) -> NDArray[np.float32]:
        """Unit ray directions (h, w, 3), world frame, through the centres of `block`×`block`
        pixel cells of a `width`×`height` image (block 1: every pixel)."""
        tx = self.tan_half_fov
        ty = tx * height / width
        cols = -(-width // block)
        rows = -(-height // block)
        u = ((np.arange(cols, dtype=np.float32) + 0.5) * block / width * 2 - 1) * tx
        v = (1 - (np.arange(rows, dtype=np.float32) + 0.5) * block / height * 2) * ty
        f = self.forward.astype(np.float32)
        r = self.right.astype(np.float32)
        up = self.up.astype(np.float32)
        d = np.empty((rows, cols, 3), np.float32)
        for k in range(3):
            d[:, :, k] = f[k] + u[None, :] * r[k] + v[:, None] * up[k]
        norm = np.sqrt(d[:, :, 0] ** 2 + d[:, :, 1] ** 2 + d[:, :, 2] ** 2)
        d /= norm[:, :, None]
        return d


@dataclass(frozen=True)
class Scene:
    """Everything the renderer draws, resolved from a setup and a seed."""

    kind: SubjectKind
    camera: Camera3D
    lights: tuple[SceneLight, ...]
    ambient_lux: float
    ambient_rgb: F64
    subject_yaw_deg: float  # subject frame = world turned by this (head turn + seed jitter)
    backdrop_distance: float  # metres behind the subject
    backdrop_albedo: F64  # linear RGB
    floor_y: float  # metres
    cove_radius: float  # metres
    meter_lux: float  # the illuminance the camera's exposure renders as its subject's albedo
    skin_tint: F64  # linear RGB multiplier from the seed


@cache
def _disc_lut(size_over_distance: float) -> tuple[F64, F64]:
    """Mean max(0, n·l) over a light's disc against the angle of n to the light's axis.

    Computed with `physics.face.probe_lux` itself (the analysis's own model) for a light on the
    camera axis, averaging two planes of tilt so the table is symmetric.
    """
    light = Light(
        role=Role.KEY,
        intensity=1.0,
        distance=1.0,
        direction=Direction(azimuth=0.0, elevation=0.0),
        modifier="bare",
        modifier_size=min(max(size_over_distance, 1e-4), 5.0),
    )
    lux = on_axis_lux(light)
    angles = np.linspace(0.0, math.pi, 73)
    values = []
    for a in angles:
        s, c = math.sin(a), math.cos(a)
        v = probe_lux(light, np.array([s, 0.0, c])) + probe_lux(light, np.array([0.0, s, c]))
        values.append(v / (2 * lux))
    cos = np.cos(angles)[::-1].copy()
    return cos, np.array(values[::-1])


def _srgb_hex_to_linear(hex_colour: str) -> F64:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)], dtype=np.float64)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _beam_cosines(beam_deg: float) -> tuple[float, float]:
    half = beam_deg / 2
    if half >= 75:  # a wide source spills over its whole front half-space
        return math.cos(math.radians(80)), -0.2
    inner = math.radians(half * 0.7)
    outer = math.radians(min(half * 1.3, 88.0))
    return math.cos(inner), math.cos(outer)


def _scene_light(
    light: Light, role: Role, wb_k: float, backdrop_z: float, kind: SubjectKind
) -> SceneLight:
    direction = np.array(light.direction.vector())
    if role == Role.BACKGROUND:
        target = np.array([0.0, 0.0 if kind == SubjectKind.PORTRAIT else 0.05, backdrop_z])
        position = target + direction * light.distance
        aim = target - position
    else:
        position = direction * light.distance
        aim = -position
    aim = aim / np.linalg.norm(aim)
    cos_in, cos_out = _beam_cosines(light.spec.beam_deg)
    lut_cos, lut_value = _disc_lut(round(light.size_m / light.distance, 4))
    return SceneLight(
        role=role,
        position=position,
        aim=aim,
        lux=on_axis_lux(light),
        distance=light.distance,
        rgb=np.array(kelvin_to_linear_rgb(light.effective_kelvin, wb_k)),
        size_m=light.size_m,
        cos_inner=cos_in,
        cos_outer=cos_out,
        lights_subject=role != Role.BACKGROUND,
        lut_cos=lut_cos,
        lut_value=lut_value,
    )


def camera_distance(setup: LightingSetup, width: int, height: int) -> float:
    """Metres from the camera to the subject: as given, or what frames the shot type."""
    return setup.camera.framing_distance(width / height)


def _camera(setup: LightingSetup, width: int, height: int, jitter: F64) -> Camera3D:
    cam = setup.camera
    kind = setup.subject.kind
    distance = camera_distance(setup, width, height)
    tan_half = math.tan(math.radians(cam.fov_deg) / 2)
    frame_h = 2 * distance * tan_half * height / width
    if kind == SubjectKind.PRODUCT or cam.shot_type == ShotType.PRODUCT:
        target_y = 0.015 if kind == SubjectKind.PRODUCT else -0.2
        eye_y = target_y
    else:
        # Frame the sitter from the top of the head down, whatever the lens and distance give.
        target_y = min(0.0, max(-1.0, _HEAD_TOP_Y - (0.5 - _HEADROOM) * frame_h))
        eye_y = _EYE_Y
    el = math.radians(CAMERA_ELEVATION_DEG[cam.camera_angle])
    position = np.array([0.0, eye_y + distance * math.sin(el), distance * math.cos(el)])
    position = position + jitter
    target = np.array([0.0, target_y, 0.0])
    forward = target - position
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    return Camera3D(position, forward, right, up, tan_half)


def build_scene(setup: LightingSetup, seed: int, width: int, height: int) -> Scene:
    """Resolve `setup` into a `Scene`; the seed picks only the declared variation.

    Declared variation: the sitter's pose (head yaw within ±1.5°, the camera within ±6 mm, a
    handheld framing) and skin tone (±4 % in brightness, a slight warm/cool shift); film grain is
    drawn later from the same seed. Raises RenderError for a set the renderer cannot draw.
    """
    rng = np.random.default_rng([seed, 0x5EED])
    yaw_jitter = float(rng.uniform(-1.5, 1.5))
    cam_jitter = rng.uniform(-0.006, 0.006, size=3)
    skin = 1.0 + float(rng.uniform(-0.04, 0.04))
    warm = float(rng.uniform(-0.03, 0.03))
    kind = setup.subject.kind

    # The schema refuses all of these at the door; a setup changed with model_copy (which does
    # not validate) can still carry one, and is refused here rather than drawn wrong.
    lights = setup.enabled_lights()
    if not any(on_axis_lux(lt) > 0 for lt in lights.values()):
        raise RenderError("no light reaches the set: every enabled light has intensity 0")
    bg = setup.background
    min_bg = MIN_BACKDROP_M[kind]
    if bg.distance_m < min_bg:
        raise RenderError(
            f"background.distance_m {bg.distance_m:g} m would cut through the subject; "
            f"the backdrop must be at least {min_bg:.2f} m behind it"
        )
    for role, lt in lights.items():
        if role.aims_at_face and lt.distance < MIN_LIGHT_DISTANCE_M:
            raise RenderError(
                f"lighting.{role.value}.distance {lt.distance:g} m is inside the subject's head; "
                f"use at least {MIN_LIGHT_DISTANCE_M:g} m"
            )

    wb = setup.camera.white_balance_k
    scene_lights = tuple(
        _scene_light(lt, role, wb, -bg.distance_m, kind)
        for role, lt in sorted(lights.items(), key=lambda kv: kv[0].value)
        if role != Role.AMBIENT and on_axis_lux(lt) > 0
    )
    ambient = lights.get(Role.AMBIENT)
    cam = setup.camera
    floor_y = PORTRAIT_FLOOR_Y if kind == SubjectKind.PORTRAIT else PRODUCT_BASE_Y
    return Scene(
        kind=kind,
        camera=_camera(setup, width, height, cam_jitter),
        lights=scene_lights,
        ambient_lux=on_axis_lux(ambient) if ambient is not None else 0.0,
        ambient_rgb=np.array(
            kelvin_to_linear_rgb(ambient.effective_kelvin, wb) if ambient else (1.0, 1.0, 1.0)
        ),
        subject_yaw_deg=(setup.subject.head_turn_deg if kind == SubjectKind.PORTRAIT else 0.0)
        + yaw_jitter,
        backdrop_distance=bg.distance_m,
        backdrop_albedo=_srgb_hex_to_linear(bg.color),
        floor_y=floor_y,
        cove_radius=min(0.6 if kind == SubjectKind.PORTRAIT else 0.3, 0.7 * bg.distance_m),
        # An incident meter's reading N² = E·S·t/C inverted: the lux the exposure is set for.
        meter_lux=INCIDENT_METER_C * cam.aperture**2 / (cam.iso * cam.shutter_s),
        skin_tint=np.array([skin * (1 + warm), skin, skin * (1 - warm)]),
    )

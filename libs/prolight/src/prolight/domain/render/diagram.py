"""The top-down studio diagram photographers draw: subject, camera, backdrop and every light.

Seen from above with the camera at the bottom: x is camera-right, up the page is away from the
camera (towards the backdrop). Each light is drawn as its modifier's shape (softbox, octabox,
strip, umbrella, dish, spot) at its azimuth and *horizontal* distance (distance × cos
elevation), turned to face what it lights, filled with its colour temperature's swatch, with
its beam as a faint wedge and a label: role, modifier, angle, height, distance, kelvin and the
meter reading in f-stops (`physics.meter`). The drawing is built once as primitives and
written both as PNG (Pillow, default font) and as SVG text.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from html import escape

from PIL import Image, ImageDraw, ImageFont

from prolight.domain.physics.kelvin import kelvin_to_srgb_hex
from prolight.domain.physics.meter import meter_readings
from prolight.domain.render.scene import camera_distance
from prolight.domain.schema import MODIFIERS, LightingSetup, Role, SubjectKind

__all__ = [
    "DIAGRAM_SIZE",
    "Circle",
    "Diagram",
    "Line",
    "Poly",
    "Text",
    "diagram",
    "diagram_svg",
    "draw_diagram",
]

DIAGRAM_SIZE = 1024
"""Default side of the square diagram in pixels."""

_INK = "#202428"
_PAPER = "#f7f6f2"
_GRID = "#e4e2dc"
_MUTED = "#8a8f96"
_ROLE_ORDER = [Role.KEY, Role.FILL, Role.RIM, Role.KICKER, Role.HAIR, Role.BACKGROUND, Role.AMBIENT]


Point = tuple[float, float]


@dataclass(frozen=True)
class Poly:
    """A filled polygon; `opacity` < 1 is drawn translucent, under everything opaque."""

    pts: list[Point]
    fill: str | None
    outline: str
    width: int = 2
    opacity: float = 1.0


@dataclass(frozen=True)
class Line:
    """A straight line."""

    a: Point
    b: Point
    colour: str
    width: int = 2


@dataclass(frozen=True)
class Circle:
    """A circle by centre and radius (pixels)."""

    c: Point
    r: float
    fill: str | None
    outline: str
    width: int = 2


@dataclass(frozen=True)
class Text:
    """Centred (multi-line) text at a point, `size` pixels high."""

    at: Point
    text: str
    size: int
    colour: str = _INK


Primitive = Poly | Line | Circle | Text


@dataclass
class Diagram:
    """Drawing primitives in pixel coordinates, written out by `png()` and `svg()`."""

    size: int
    items: list[Primitive] = field(default_factory=list)

    def poly(
        self, pts: list[Point], fill: str | None, outline: str, width: int = 2, opacity: float = 1.0
    ) -> None:
        self.items.append(Poly(pts, fill, outline, width, opacity))

    def line(self, a: Point, b: Point, colour: str, width: int = 2) -> None:
        self.items.append(Line(a, b, colour, width))

    def circle(self, c: Point, r: float, fill: str | None, outline: str, width: int = 2) -> None:
        self.items.append(Circle(c, r, fill, outline, width))

    def text(self, at: Point, text: str, size: int, colour: str = _INK) -> None:
        self.items.append(Text(at, text, size, colour))

    def png(self) -> bytes:
        """The diagram as PNG bytes (fixed settings, no metadata)."""
        base = Image.new("RGB", (self.size, self.size), _PAPER)
        draw = ImageDraw.Draw(base)
        # Lines (the floor grid) first, then translucent beams, then everything opaque on top.
        for item in self.items:
            if isinstance(item, Line):
                draw.line([item.a, item.b], fill=item.colour, width=item.width)
        overlay = Image.new("RGBA", (self.size, self.size), (0, 0, 0, 0))
        odraw = ImageDraw.Draw(overlay)
        for item in self.items:
            if isinstance(item, Poly) and item.opacity < 1.0 and item.fill is not None:
                rgb = tuple(int(item.fill[i : i + 2], 16) for i in (1, 3, 5))
                odraw.polygon(item.pts, fill=(*rgb, int(255 * item.opacity)))
        img = Image.alpha_composite(base.convert("RGBA"), overlay).convert("RGB")
        top = ImageDraw.Draw(img)
        fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
        for item in self.items:
            if isinstance(item, Poly) and item.opacity >= 1.0:
                top.polygon(item.pts, fill=item.fill, outline=item.outline, width=item.width)
            elif isinstance(item, Circle):
                (x, y), r = item.c, item.r
                top.ellipse(
                    [x - r, y - r, x + r, y + r],
                    fill=item.fill,
                    outline=item.outline,
                    width=item.width,
                )
            elif isinstance(item, Text):
                if item.size not in fonts:
                    fonts[item.size] = ImageFont.load_default(size=item.size)
                top.multiline_text(
                    item.at,
                    item.text,
                    fill=item.colour,
                    font=fonts[item.size],
                    anchor="mm",
                    align="center",
                    spacing=3,
                )
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=6)
        return buf.getvalue()

    def svg(self) -> str:
        """The diagram as standalone SVG text."""
        s = self.size
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" '
            f'viewBox="0 0 {s} {s}" font-family="DejaVu Sans, Arial, sans-serif">',
            f'<rect width="{s}" height="{s}" fill="{_PAPER}"/>',
        ]
        ordered: list[Primitive] = [i for i in self.items if isinstance(i, Line)]
        ordered += [i for i in self.items if isinstance(i, Poly) and i.opacity < 1.0]
        ordered += [
            i
            for i in self.items
            if not isinstance(i, Line) and not (isinstance(i, Poly) and i.opacity < 1.0)
        ]
        for item in ordered:
            if isinstance(item, Poly):
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in item.pts)
                stroke = item.outline if item.opacity >= 1.0 else "none"
                out.append(
                    f'<polygon points="{pts}" fill="{item.fill or "none"}" '
                    f'fill-opacity="{item.opacity}" stroke="{stroke}" '
                    f'stroke-width="{item.width}"/>'
                )
            elif isinstance(item, Line):
                (x1, y1), (x2, y2) = item.a, item.b
                out.append(
                    f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                    f'stroke="{item.colour}" stroke-width="{item.width}"/>'
                )
            elif isinstance(item, Circle):
                (x, y), r = item.c, item.r
                out.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
                    f'fill="{item.fill or "none"}" stroke="{item.outline}" '
                    f'stroke-width="{item.width}"/>'
                )
            else:
                x, y = item.at
                lines = item.text.split("\n")
                first = y - (len(lines) - 1) * (item.size + 3) / 2
                for i, line in enumerate(lines):
                    out.append(
                        f'<text x="{x:.1f}" y="{first + i * (item.size + 3):.1f}" '
                        f'font-size="{item.size}" fill="{item.colour}" '
                        f'text-anchor="middle" dominant-baseline="middle">'
                        f"{escape(line)}</text>"
                    )
        out.append("</svg>")
        return "\n".join(out)


def _side(az: float) -> str:
    if abs(az) < 0.5:
        return "on axis"
    if abs(abs(az) - 180) < 0.5:
        return "behind"
    return f"{abs(az):g}° {'R' if az > 0 else 'L'}"


def _modifier_outline(shape: str, size_px: float) -> list[tuple[float, float]]:
    """Outline of a modifier seen from above, centred at 0, facing +y (towards the subject)."""
    w = size_px
    if shape == "strip":
        return [(-w / 2, -5), (w / 2, -5), (w / 2, 5), (-w / 2, 5)]
    if shape == "rect":
        d = w * 0.45
        return [(-w / 2, d / 2), (w / 2, d / 2), (w * 0.12, -d / 2), (-w * 0.12, -d / 2)]
    if shape == "octagon":
        d = w * 0.4
        return [(-w / 2, d / 2), (w / 2, d / 2), (w * 0.1, -d / 2), (-w * 0.1, -d / 2)]
    if shape in ("round", "dish"):
        # An umbrella or dish seen edge-on: a shallow bowl opening towards the subject.
        pts = []
        for k in range(13):
            a = math.pi * k / 12
            pts.append(
                (-math.cos(a) * w / 2, -math.sin(a) * w * (0.28 if shape == "round" else 0.2))
            )
        return pts
    # spot / grid / snoot / fresnel: a small head with a barrel.
    return [(-9, -14), (9, -14), (6, 6), (-6, 6)]


def draw_diagram(setup: LightingSetup, size: int = DIAGRAM_SIZE) -> Diagram:
    """Lay out the diagram of `setup` on a square canvas of `size` pixels."""
    d = Diagram(size)
    readings = meter_readings(setup)
    lights = setup.enabled_lights()
    cam_dist = camera_distance(setup, 4, 5)
    bg = setup.background.distance_m
    placed: list[tuple[Role, float, float]] = []
    for role, lt in lights.items():
        if role == Role.AMBIENT:
            continue
        az = math.radians(lt.direction.azimuth)
        horiz = lt.distance * math.cos(math.radians(lt.direction.elevation))
        if role == Role.BACKGROUND:
            x, z = horiz * math.sin(az), -bg + horiz * math.cos(az)
            # Drawn no nearer than 0.4 m behind the sitter so it never hides them; its label
            # keeps the real distance.
            z = min(z, -min(0.4, bg / 2))
        else:
            x, z = horiz * math.sin(az), horiz * math.cos(az)
        placed.append((role, x, z))
    extent = max([cam_dist, bg, 1.0] + [max(abs(x), abs(z)) for _, x, z in placed]) * 1.18
    margin = size * 0.06
    scale = (size / 2 - margin) / extent

    def px(x: float, z: float) -> tuple[float, float]:
        return size / 2 + x * scale, size / 2 + z * scale

    # Floor grid every half metre.
    step = 0.5 if extent < 4 else 1.0
    k = int(extent / step) + 1
    for i in range(-k, k + 1):
        d.line(px(i * step, -extent * 1.2), px(i * step, extent * 1.2), _GRID, 1)
        d.line(px(-extent * 1.2, i * step), px(extent * 1.2, i * step), _GRID, 1)
    fs = max(11, size // 64)
    # Backdrop: a sweep across the top.
    y_bg = px(0, -bg)[1]
    bg_col = setup.background.color
    d.poly(
        [(margin, y_bg - 10), (size - margin, y_bg - 10), (size - margin, y_bg), (margin, y_bg)],
        bg_col,
        _INK,
        2,
    )
    d.text(
        (size / 2, y_bg - 10 - fs), f"backdrop {bg_col} · {bg:g} m behind the subject", fs, _MUTED
    )
    # Camera at the bottom.
    cx, cy = px(0, cam_dist)
    d.poly(
        [(cx - 22, cy - 18), (cx + 22, cy - 18), (cx + 22, cy + 10), (cx - 22, cy + 10)],
        "#3b4047",
        _INK,
        2,
    )
    d.poly(
        [(cx - 10, cy - 18), (cx + 10, cy - 18), (cx + 14, cy - 32), (cx - 14, cy - 32)],
        "#5b616a",
        _INK,
        2,
    )
    cam = setup.camera
    d.text(
        (cx, min(cy + 10 + fs * 1.6, size - fs * 1.6)),
        f"camera {cam.focal_length_mm:g} mm · f/{cam.aperture:g} · ISO {cam.iso} · "
        f"1/{round(1 / cam.shutter_s)} s\n{cam_dist:.1f} m · {cam.camera_angle.value}",
        fs,
    )
    # Beams first (translucent), then the modifiers and labels on top.
    for role, x, z in placed:
        lt = lights[role]
        spec = MODIFIERS[lt.modifier]
        lx, ly = px(x, z)
        target = px(0, -bg) if role == Role.BACKGROUND else px(0, 0)
        ang = math.atan2(target[1] - ly, target[0] - lx)
        half = math.radians(min(spec.beam_deg, 150) / 2)
        reach = math.hypot(target[0] - lx, target[1] - ly) * 1.05
        colour = kelvin_to_srgb_hex(lt.effective_kelvin)
        d.poly(
            [
                (lx, ly),
                (lx + reach * math.cos(ang - half), ly + reach * math.sin(ang - half)),
                (lx + reach * math.cos(ang + half), ly + reach * math.sin(ang + half)),
            ],
            colour,
            colour,
            1,
            opacity=0.13,
        )
    # Subject at the centre.
    sx, sy = px(0, 0)
    if setup.subject.kind == SubjectKind.PRODUCT:
        d.circle((sx, sy), 0.045 * scale + 6, "#3f6f55", _INK, 2)
        d.text((sx, sy + 0.045 * scale + 6 + fs), "product", fs, _MUTED)
    else:
        # Shoulders, head, and the nose pointing where the face looks (turned with the head).
        turn = math.radians(setup.subject.head_turn_deg)
        d.poly(
            [
                (sx - 0.21 * scale, sy + 0.02 * scale),
                (sx + 0.21 * scale, sy + 0.02 * scale),
                (sx + 0.18 * scale, sy - 0.1 * scale),
                (sx - 0.18 * scale, sy - 0.1 * scale),
            ],
            "#c9c4bb",
            _INK,
            2,
        )
        d.circle((sx, sy), 0.09 * scale, "#e0b9a0", _INK, 2)
        r0, r1 = 0.09 * scale - 2, 0.09 * scale + 10
        tip = (sx + r1 * math.sin(turn), sy + r1 * math.cos(turn))
        left = (sx + r0 * math.sin(turn - 0.2), sy + r0 * math.cos(turn - 0.2))
        right = (sx + r0 * math.sin(turn + 0.2), sy + r0 * math.cos(turn + 0.2))
        d.poly([left, tip, right], _INK, _INK, 1)
    for role, x, z in placed:
        lt = lights[role]
        spec = MODIFIERS[lt.modifier]
        lx, ly = px(x, z)
        target = px(0, -bg) if role == Role.BACKGROUND else px(0, 0)
        ang = math.atan2(target[1] - ly, target[0] - lx) - math.pi / 2
        ca, sa = math.cos(ang), math.sin(ang)
        # Drawn to scale, but never so large that it hides the set (a 1.2 m octabox up close).
        drawn = min(max(lt.size_m * scale, 16.0), size * 0.1)
        outline = _modifier_outline(spec.shape, drawn)
        pts = [(lx + ux * ca - uy * sa, ly + ux * sa + uy * ca) for ux, uy in outline]
        d.poly(pts, kelvin_to_srgb_hex(lt.effective_kelvin), _INK, 2)
        d.circle((lx, ly), 4, _INK, _INK, 1)
        reading = readings[role]
        label = (
            f"{role.value.upper()} · {lt.modifier.value.replace('_', ' ')}\n"
            f"{_side(lt.direction.azimuth)}, {lt.direction.elevation:+g}° · "
            f"{lt.distance:g} m\n{lt.effective_kelvin:.0f} K · {reading.display}"
        )
        # Labels sit on the far side of the light from the subject, inside the canvas.
        ox, oy = lx - sx, ly - sy
        norm = math.hypot(ox, oy) or 1.0
        push = drawn / 2 + fs * 3.4
        tx = min(max(lx + ox / norm * push, fs * 9), size - fs * 9)
        ty = min(max(ly + oy / norm * push, fs * 3), size - fs * 3)
        d.text((tx, ty), label, fs)
    ambient = lights.get(Role.AMBIENT)
    if ambient is not None:
        d.text(
            (fs * 9, fs * 2),
            f"AMBIENT {ambient.intensity:.0%}\n{readings[Role.AMBIENT].display}",
            fs,
        )
    d.text((size - fs * 6, size - fs * 1.5), f"grid {step:g} m", fs, _MUTED)
    return d


def diagram(setup: LightingSetup, size: int = DIAGRAM_SIZE) -> bytes:
    """PNG bytes of the top-down diagram of `setup`, `size`×`size` pixels."""
    return draw_diagram(setup, size).png()


def diagram_svg(setup: LightingSetup, size: int = DIAGRAM_SIZE) -> str:
    """SVG text of the same diagram."""
    return draw_diagram(setup, size).svg()

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

from prolight.physics.kelvin import kelvin_to_srgb_hex
from prolight.physics.meter import meter_readings
from prolight.presets import head_turn_deg
from prolight.render.scene import camera_distance
from prolight.schema import MODIFIERS, LightingSetup, Role, SubjectKind

__all__ = ["DIAGRAM_SIZE", "Diagram", "diagram", "diagram_svg", "draw_diagram"]

DIAGRAM_SIZE = 1024
"""Default side of the square diagram in pixels."""

_INK = "#202428"
_PAPER = "#f7f6f2"
_GRID = "#e4e2dc"
_MUTED = "#8a8f96"
_ROLE_ORDER = [Role.KEY, Role.FILL, Role.RIM, Role.KICKER, Role.HAIR, Role.BACKGROUND, Role.AMBIENT]


@dataclass
class Diagram:
    """Drawing primitives in pixel coordinates, written out by `png()` and `svg()`."""

    size: int
    items: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    def poly(self, pts: list[tuple[float, float]], fill: str | None, outline: str, width: int = 2,
             opacity: float = 1.0) -> None:
        self.items.append(("poly", {"pts": pts, "fill": fill, "outline": outline, "width": width,
                                    "opacity": opacity}))

    def line(self, a: tuple[float, float], b: tuple[float, float], colour: str, width: int = 2,
             dash: bool = False) -> None:
        self.items.append(("line", {"a": a, "b": b, "colour": colour, "width": width,
                                    "dash": dash}))

    def circle(self, c: tuple[float, float], r: float, fill: str | None, outline: str,
               width: int = 2) -> None:
        self.items.append(("circle", {"c": c, "r": r, "fill": fill, "outline": outline,
                                      "width": width}))

    def text(self, at: tuple[float, float], text: str, size: int, colour: str = _INK,
             anchor: str = "mm") -> None:
        self.items.append(("text", {"at": at, "text": text, "size": size, "colour": colour,
                                    "anchor": anchor}))

    def png(self) -> bytes:
        """The diagram as PNG bytes (fixed settings, no metadata)."""
        img = Image.new("RGB", (self.size, self.size), _PAPER)
        overlay = Image.new("RGBA", (self.size, self.size), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        odraw = ImageDraw.Draw(overlay)
        fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
        for kind, a in self.items:
            if kind == "poly":
                pts = a["pts"]
                assert isinstance(pts, list)
                opacity = a["opacity"]
                assert isinstance(opacity, float)
                if opacity < 1.0:
                    fill = a["fill"]
                    assert isinstance(fill, str)
                    rgb = tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5))
                    odraw.polygon(pts, fill=(*rgb, int(255 * opacity)))
                    continue
                draw.polygon(pts, fill=a["fill"], outline=a["outline"], width=a["width"])  # type: ignore[arg-type]
            elif kind == "line":
                draw.line([a["a"], a["b"]], fill=a["colour"], width=a["width"])  # type: ignore[arg-type, list-item]
            elif kind == "circle":
                (x, y), r = a["c"], a["r"]  # type: ignore[misc]
                draw.ellipse([x - r, y - r, x + r, y + r], fill=a["fill"], outline=a["outline"],  # type: ignore[arg-type]
                             width=a["width"])  # type: ignore[arg-type]
            else:
                size = a["size"]
                assert isinstance(size, int)
                if size not in fonts:
                    fonts[size] = ImageFont.load_default(size=size)
                draw.multiline_text(a["at"], str(a["text"]), fill=a["colour"], font=fonts[size],  # type: ignore[arg-type]
                                    anchor=str(a["anchor"]), align="center", spacing=3)
        img = Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
        # Beams go under the drawing: redraw everything opaque on top of the translucent layer.
        top = ImageDraw.Draw(img)
        for kind, a in self.items:
            if kind == "poly" and a["opacity"] == 1.0:
                top.polygon(a["pts"], fill=a["fill"], outline=a["outline"], width=a["width"])  # type: ignore[arg-type]
            elif kind == "circle":
                (x, y), r = a["c"], a["r"]  # type: ignore[misc]
                top.ellipse([x - r, y - r, x + r, y + r], fill=a["fill"], outline=a["outline"],  # type: ignore[arg-type]
                            width=a["width"])  # type: ignore[arg-type]
            elif kind == "text":
                top.multiline_text(a["at"], str(a["text"]), fill=a["colour"],  # type: ignore[arg-type]
                                   font=fonts[a["size"]], anchor=str(a["anchor"]),  # type: ignore[index]
                                   align="center", spacing=3)
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=6)
        return buf.getvalue()

    def svg(self) -> str:
        """The diagram as standalone SVG text."""
        s = self.size
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" '
               f'viewBox="0 0 {s} {s}" font-family="DejaVu Sans, Arial, sans-serif">',
               f'<rect width="{s}" height="{s}" fill="{_PAPER}"/>']
        for kind, a in self.items:
            if kind == "poly":
                pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in a["pts"])  # type: ignore[attr-defined]
                fill = a["fill"] or "none"
                out.append(f'<polygon points="{pts}" fill="{fill}" fill-opacity="{a["opacity"]}" '
                           f'stroke="{a["outline"] if a["opacity"] == 1.0 else "none"}" '
                           f'stroke-width="{a["width"]}"/>')
            elif kind == "line":
                (x1, y1), (x2, y2) = a["a"], a["b"]  # type: ignore[misc]
                dash = ' stroke-dasharray="8 6"' if a["dash"] else ""
                out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                           f'stroke="{a["colour"]}" stroke-width="{a["width"]}"{dash}/>')
            elif kind == "circle":
                (x, y), r = a["c"], a["r"]  # type: ignore[misc]
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
                           f'fill="{a["fill"] or "none"}" stroke="{a["outline"]}" '
                           f'stroke-width="{a["width"]}"/>')
            else:
                x, y = a["at"]  # type: ignore[misc]
                lines = str(a["text"]).split("\n")
                size = a["size"]
                assert isinstance(size, int)
                top = y - (len(lines) - 1) * (size + 3) / 2
                for i, line in enumerate(lines):
                    out.append(f'<text x="{x:.1f}" y="{top + i * (size + 3):.1f}" '
                               f'font-size="{size}" fill="{a["colour"]}" text-anchor="middle" '
                               f'dominant-baseline="middle">{escape(line)}</text>')
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
            pts.append((-math.cos(a) * w / 2, -math.sin(a) * w * (0.28 if shape == "round" else 0.2)))
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
    d.poly([(margin, y_bg - 10), (size - margin, y_bg - 10), (size - margin, y_bg),
            (margin, y_bg)], bg_col, _INK, 2)
    d.text((size / 2, y_bg - 10 - fs), f"backdrop {bg_col} · {bg:g} m behind the subject", fs,
           _MUTED)
    # Camera at the bottom.
    cx, cy = px(0, cam_dist)
    d.poly([(cx - 22, cy - 18), (cx + 22, cy - 18), (cx + 22, cy + 10), (cx - 22, cy + 10)],
           "#3b4047", _INK, 2)
    d.poly([(cx - 10, cy - 18), (cx + 10, cy - 18), (cx + 14, cy - 32), (cx - 14, cy - 32)],
           "#5b616a", _INK, 2)
    cam = setup.camera
    d.text((cx, min(cy + 10 + fs * 1.6, size - fs * 1.6)),
           f"camera {cam.focal_length_mm:g} mm · f/{cam.aperture:g} · ISO {cam.iso} · "
           f"1/{round(1 / cam.shutter_s)} s\n{cam_dist:.1f} m · {cam.camera_angle.value}", fs)
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
        d.poly([(lx, ly), (lx + reach * math.cos(ang - half), ly + reach * math.sin(ang - half)),
                (lx + reach * math.cos(ang + half), ly + reach * math.sin(ang + half))],
               colour, colour, 1, opacity=0.13)
    # Subject at the centre.
    sx, sy = px(0, 0)
    if setup.subject.kind == SubjectKind.PRODUCT:
        d.circle((sx, sy), 0.045 * scale + 6, "#3f6f55", _INK, 2)
        d.text((sx, sy + 0.045 * scale + 6 + fs), "product", fs, _MUTED)
    else:
        # Shoulders, head, and the nose pointing where the face looks (turned with the head).
        turn = math.radians(head_turn_deg(setup.subject))
        d.poly([(sx - 0.21 * scale, sy + 0.02 * scale), (sx + 0.21 * scale, sy + 0.02 * scale),
                (sx + 0.18 * scale, sy - 0.1 * scale), (sx - 0.18 * scale, sy - 0.1 * scale)],
               "#c9c4bb", _INK, 2)
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
        label = (f"{role.value.upper()} · {lt.modifier.value.replace('_', ' ')}\n"
                 f"{_side(lt.direction.azimuth)}, {lt.direction.elevation:+g}° · "
                 f"{lt.distance:g} m\n{lt.effective_kelvin:.0f} K · {reading.display}")
        # Labels sit on the far side of the light from the subject, inside the canvas.
        ox, oy = lx - sx, ly - sy
        norm = math.hypot(ox, oy) or 1.0
        push = drawn / 2 + fs * 3.4
        tx = min(max(lx + ox / norm * push, fs * 9), size - fs * 9)
        ty = min(max(ly + oy / norm * push, fs * 3), size - fs * 3)
        d.text((tx, ty), label, fs)
    ambient = lights.get(Role.AMBIENT)
    if ambient is not None:
        d.text((fs * 9, fs * 2), f"AMBIENT {ambient.intensity:.0%}\n{readings[Role.AMBIENT].display}",
               fs)
    d.text((size - fs * 6, size - fs * 1.5), f"grid {step:g} m", fs, _MUTED)
    return d


def diagram(setup: LightingSetup, size: int = DIAGRAM_SIZE) -> bytes:
    """PNG bytes of the top-down diagram of `setup`, `size`×`size` pixels."""
    return draw_diagram(setup, size).png()


def diagram_svg(setup: LightingSetup, size: int = DIAGRAM_SIZE) -> str:
    """SVG text of the same diagram."""
    return draw_diagram(setup, size).svg()

"""A contact sheet: candidate images in a grid, each with its seed and scores underneath."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from prolight.domain.errors import InvalidInput

__all__ = ["MAX_CELLS", "SheetItem", "contact_sheet"]

MAX_CELLS = 64
"""Most images one sheet holds."""

_PAPER = (246, 245, 241)
_INK = (32, 36, 40)


@dataclass(frozen=True)
class SheetItem:
    """One cell: PNG bytes, its seed, scores by name (0–1 or any float) and an optional label."""

    png: bytes
    seed: int
    scores: Mapping[str, float] = field(default_factory=dict)
    label: str = ""


def contact_sheet(
    items: Sequence[SheetItem], columns: int | None = None, cell_width: int = 256
) -> bytes:
    """PNG bytes of a grid of `items` (row-major, best first if sorted by the caller).

    Each cell shows the image scaled to `cell_width` pixels wide (aspect kept) and, under it,
    the label, `seed N` and the scores to two decimals. `columns` defaults to ⌈√n⌉. Raises
    InvalidInput for no items, more than `MAX_CELLS`, or bytes that are not an image.
    """
    if not items:
        raise InvalidInput.single("items", "a contact sheet needs at least one image")
    if len(items) > MAX_CELLS:
        raise InvalidInput.single("items", f"at most {MAX_CELLS} images; got {len(items)}")
    if not 64 <= cell_width <= 1024:
        raise InvalidInput.single("cell_width", f"64–1024 pixels; got {cell_width}")
    images: list[Image.Image] = []
    for i, item in enumerate(items):
        try:
            with Image.open(io.BytesIO(item.png)) as im:
                images.append(im.convert("RGB"))
        except (OSError, ValueError) as exc:
            raise InvalidInput.single(f"items[{i}].png", f"not a readable image: {exc}") from exc
    cols = columns or math.ceil(math.sqrt(len(items)))
    cols = max(1, min(cols, len(items)))
    rows = math.ceil(len(items) / cols)
    thumb_h = max(round(cell_width * im.height / im.width) for im in images)
    font_size = max(10, cell_width // 20)
    font = ImageFont.load_default(size=font_size)
    lines = (
        1
        + max(1 if it.label else 0 for it in items)
        + max(math.ceil(len(it.scores) / 2) for it in items)
    )
    text_h = lines * (font_size + 4) + 8
    pad = 12
    cell_h = thumb_h + text_h
    sheet = Image.new("RGB", (cols * (cell_width + pad) + pad, rows * (cell_h + pad) + pad), _PAPER)
    draw = ImageDraw.Draw(sheet)
    for i, (item, picture) in enumerate(zip(items, images, strict=True)):
        r, c = divmod(i, cols)
        x = pad + c * (cell_width + pad)
        y = pad + r * (cell_h + pad)
        h = round(cell_width * picture.height / picture.width)
        sheet.paste(picture.resize((cell_width, h), Image.Resampling.LANCZOS), (x, y))
        text = []
        if item.label:
            text.append(item.label)
        text.append(f"seed {item.seed}")
        pairs = [f"{k} {v:.2f}" for k, v in item.scores.items()]
        text += ["  ".join(pairs[j : j + 2]) for j in range(0, len(pairs), 2)]
        draw.multiline_text(
            (x + 2, y + thumb_h + 6), "\n".join(text), fill=_INK, font=font, spacing=4
        )
    buf = io.BytesIO()
    sheet.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()

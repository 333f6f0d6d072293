"""The sitter as binary glTF 2.0, for the studio's 3D preview: the same body, eyes and
colours the photoreal renderer draws.

Two meshes in the subject frame (metres, y up, face along +z, eyes at `EYE_Y`): the body,
with its texture coordinates and the colour texture (`body_colour`, sRGB PNG in the file),
and the eyes, coloured per vertex. The writer is the few dozen lines glTF's binary layout
needs (a JSON chunk and a binary chunk); `sitter_glb` caches the bytes per appearance and skin.
"""

from __future__ import annotations

import io
import json
import struct
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from prolight.domain.sitter.body import Appearance, body_colour, human

__all__ = ["GLB_MEDIA_TYPE", "sitter_glb"]

GLB_MEDIA_TYPE = "model/gltf-binary"

_FLOAT, _UINT = 5126, 5125
_ARRAY, _ELEMENTS = 34962, 34963
_LINEAR, _LINEAR_MIPMAP = 9729, 9987


def _srgb8(linear: NDArray[np.float32]) -> NDArray[np.uint8]:
    c = np.clip(linear, 0.0, 1.0)
    s = np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)
    out: NDArray[np.uint8] = np.round(s * 255).astype(np.uint8)
    return out


class _Buffer:
    """The binary chunk, and the bufferViews and accessors that point into it."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []

    def view(self, payload: bytes, target: int | None = None) -> int:
        while len(self.data) % 4:
            self.data.append(0)
        view: dict[str, Any] = {
            "buffer": 0,
            "byteOffset": len(self.data),
            "byteLength": len(payload),
        }
        if target is not None:
            view["target"] = target
        self.data += payload
        self.views.append(view)
        return len(self.views) - 1

    def accessor(self, array: NDArray[Any], kind: str, *, bounds: bool = False) -> int:
        indices = array.dtype == np.uint32
        component = _UINT if indices else _FLOAT
        view = self.view(array.tobytes(), _ELEMENTS if indices else _ARRAY)
        accessor: dict[str, Any] = {
            "bufferView": view,
            "componentType": component,
            "count": int(array.size if indices else len(array)),
            "type": kind,
        }
        if bounds:
            accessor["min"] = array.min(axis=0).tolist()
            accessor["max"] = array.max(axis=0).tolist()
        self.accessors.append(accessor)
        return len(self.accessors) - 1


@cache
def sitter_glb(appearance: Appearance, skin_rgb: tuple[float, float, float]) -> bytes:
    """The sitter of `appearance` with skin of `skin_rgb` (linear RGB) as a .glb file."""
    h = human(appearance)
    buf = _Buffer()
    body, eyes = h.body, h.eyes
    body_attrs = {
        "POSITION": buf.accessor(body.positions, "VEC3", bounds=True),
        "NORMAL": buf.accessor(body.normals, "VEC3"),
        "TEXCOORD_0": buf.accessor(h.uvs, "VEC2"),
    }
    body_indices = buf.accessor(body.faces.astype(np.uint32).ravel(), "SCALAR")
    eye_attrs = {
        "POSITION": buf.accessor(eyes.positions, "VEC3", bounds=True),
        "NORMAL": buf.accessor(eyes.normals, "VEC3"),
        "COLOR_0": buf.accessor(eyes.tint, "VEC3"),
    }
    eye_indices = buf.accessor(eyes.faces.astype(np.uint32).ravel(), "SCALAR")
    png = io.BytesIO()
    Image.fromarray(_srgb8(body_colour(appearance, skin_rgb))).save(png, format="PNG")
    image_view = buf.view(png.getvalue())
    document = {
        "asset": {"version": "2.0", "generator": "ProLight sitter"},
        "scene": 0,
        "scenes": [{"nodes": [0, 1]}],
        "nodes": [{"mesh": 0, "name": "body"}, {"mesh": 1, "name": "eyes"}],
        "meshes": [
            {"primitives": [{"attributes": body_attrs, "indices": body_indices, "material": 0}]},
            {"primitives": [{"attributes": eye_attrs, "indices": eye_indices, "material": 1}]},
        ],
        "materials": [
            {
                "name": "skin",
                "pbrMetallicRoughness": {
                    "baseColorTexture": {"index": 0},
                    "metallicFactor": 0.0,
                    "roughnessFactor": 0.55,
                },
            },
            {
                "name": "eyes",
                "pbrMetallicRoughness": {"metallicFactor": 0.0, "roughnessFactor": 0.08},
            },
        ],
        "textures": [{"source": 0, "sampler": 0}],
        "images": [{"bufferView": image_view, "mimeType": "image/png"}],
        "samplers": [{"magFilter": _LINEAR, "minFilter": _LINEAR_MIPMAP}],
        "accessors": buf.accessors,
        "bufferViews": buf.views,
        "buffers": [{"byteLength": len(buf.data)}],
    }
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    binary = bytes(buf.data) + b"\0" * (-len(buf.data) % 4)
    length = 12 + 8 + len(text) + 8 + len(binary)
    return b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, length),
            struct.pack("<I4s", len(text), b"JSON"),
            text,
            struct.pack("<I4s", len(binary), b"BIN\0"),
            binary,
        ]
    )

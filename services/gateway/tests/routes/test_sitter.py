"""GET /api/sitter.glb: the photoreal renderer's sitter as binary glTF for the studio."""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest

from prolight.domain.sitter import EYE_Y

pytestmark = pytest.mark.integration


def _document(glb: bytes) -> dict[str, Any]:
    magic, version, length = struct.unpack_from("<4sII", glb)
    assert (magic, version, length) == (b"glTF", 2, len(glb))
    size, kind = struct.unpack_from("<I4s", glb, 12)
    assert kind == b"JSON"
    document: dict[str, Any] = json.loads(glb[20 : 20 + size])
    size_bin, kind_bin = struct.unpack_from("<I4s", glb, 20 + size)
    assert kind_bin == b"BIN\0"
    assert document["buffers"][0]["byteLength"] <= size_bin
    return document


async def test_the_sitter_is_a_glb_with_a_textured_body_and_eyes(gateway: Any) -> None:
    r = await gateway.client.get("/api/sitter.glb")
    assert r.status_code == 200
    assert r.headers["content-type"] == "model/gltf-binary"
    doc = _document(r.content)
    assert [n["name"] for n in doc["nodes"]] == ["body", "eyes"]
    body = doc["meshes"][0]["primitives"][0]
    assert {"POSITION", "NORMAL", "TEXCOORD_0"} <= set(body["attributes"])
    assert doc["images"][0]["mimeType"] == "image/png"
    # The subject frame: the eyes at EYE_Y, the head's top a little over 10 cm above them.
    eyes = doc["accessors"][doc["meshes"][1]["primitives"][0]["attributes"]["POSITION"]]
    assert eyes["min"][1] < EYE_Y < eyes["max"][1]
    top = doc["accessors"][body["attributes"]["POSITION"]]["max"][1]
    assert 0.09 < top - EYE_Y < 0.16


async def test_the_description_shapes_the_sitter(gateway: Any) -> None:
    a = await gateway.client.get("/api/sitter.glb", params={"description": "young woman"})
    b = await gateway.client.get("/api/sitter.glb", params={"description": "elderly heavy man"})
    assert a.status_code == b.status_code == 200
    assert a.content != b.content
    again = await gateway.client.get("/api/sitter.glb", params={"description": "young woman"})
    assert again.content == a.content


async def test_a_blank_description_is_422_naming_the_field(gateway: Any) -> None:
    r = await gateway.client.get("/api/sitter.glb", params={"description": "   "})
    assert r.status_code == 422
    assert r.json()["field"] == "description"

"""Regenerate keda-scaledobject.schema.json (run by hand, not by the tests).

KEDA publishes its CRDs (the OpenAPI v3 schema of ScaledObject) with its releases and Helm chart,
neither of which is on a package registry this project can reach. `cloudcoil-models-keda` on
PyPI is generated from those published CRDs (its version is KEDA's: 2.16.1.x ← KEDA v2.16.1), so
the JSON Schema of its `ScaledObject` model carries the CRD's structure: field names, types and
required fields. This script writes it out, closed (`additionalProperties: false` on every
object with declared properties, as `kubectl apply --validate=strict` rejects unknown fields),
without `status` (written by KEDA, never by us).

    python -m venv /tmp/keda && /tmp/keda/bin/pip install cloudcoil-models-keda==2.16.1.0
    /tmp/keda/bin/python tests/deploy/schemas/make_keda_schema.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cloudcoil.models.keda.v1alpha1 import ScaledObject  # type: ignore[import-not-found]

SOURCE = "cloudcoil-models-keda 2.16.1.0 (generated from the KEDA v2.16.1 CRDs)"
OUT = Path(__file__).with_name("keda-scaledobject.schema.json")


def closed(node: Any) -> Any:
    """`node` with additionalProperties: false on every object that declares properties."""
    if isinstance(node, dict):
        node = {k: closed(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [closed(v) for v in node]
    return node


def main() -> None:
    schema = ScaledObject.model_json_schema(by_alias=True)
    schema["properties"].pop("status", None)
    schema["$defs"].pop("ScaledObjectStatus", None)
    schema = closed(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$comment"] = (
        f"KEDA ScaledObject (keda.sh/v1alpha1) from {SOURCE}; see {Path(__file__).name}"
    )
    OUT.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()

"""proto-schemas/openapi.json is what the gateway serves, and lists every endpoint."""

from __future__ import annotations

import json
from pathlib import Path

from prolight.contracts.schema_export import drifted_documents
from prolight_gateway.openapi import openapi_documents

PROTO = Path(__file__).resolve().parents[3] / "proto-schemas"


def test_committed_openapi_matches_the_app() -> None:
    stale = drifted_documents(PROTO, openapi_documents())
    assert not stale, "proto-schemas/openapi.json drifted from the gateway; run `make schemas`"


def test_openapi_lists_every_endpoint() -> None:
    paths = json.loads(openapi_documents()["openapi.json"])["paths"]
    for path in (
        "/api/generate/lighting-setup",
        "/api/generate/natural-language",
        "/api/analyze/lighting",
        "/api/status/{run_id}",
        "/api/runs",
        "/api/runs/{run_id}/cancel",
        "/api/artifacts/{artifact_id}",
        "/api/presets",
        "/api/presets/{name}",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path

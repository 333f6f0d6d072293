"""Write the gateway's OpenAPI document beside the other schemas (`make schemas`).

    python -m prolight_gateway.openapi proto-schemas           # write openapi.json
    python -m prolight_gateway.openapi proto-schemas --check   # exit 1 if it drifted

The document comes from `create_app()` itself, which connects to nothing until it starts, so
it always describes the endpoints as built.
"""

from __future__ import annotations

from prolight.contracts.schema_export import as_text, documents_main
from prolight_gateway.app import create_app

__all__ = ["main", "openapi_documents"]


def openapi_documents() -> dict[str, str]:
    """File name → exact text of the gateway's OpenAPI document."""
    return {"openapi.json": as_text(create_app().openapi())}


def main(argv: list[str] | None = None) -> int:
    """Command line: `DIR [--check]`; returns the exit status."""
    return documents_main(argv, "prolight_gateway.openapi", openapi_documents)


if __name__ == "__main__":
    raise SystemExit(main())

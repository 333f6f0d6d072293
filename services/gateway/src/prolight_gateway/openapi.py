"""Write the gateway's OpenAPI document beside the other schemas (`make schemas`).

    python -m prolight_gateway.openapi proto-schemas           # write openapi.json
    python -m prolight_gateway.openapi proto-schemas --check   # exit 1 if it drifted

The document comes from `create_app()` itself, which connects to nothing until it starts, so
it always describes the endpoints as built.
"""

from __future__ import annotations

import sys
from pathlib import Path

from prolight.contracts.schema_export import as_text, drifted_documents, write_documents
from prolight_gateway.app import create_app

__all__ = ["main", "openapi_documents"]


def openapi_documents() -> dict[str, str]:
    """File name → exact text of the gateway's OpenAPI document."""
    return {"openapi.json": as_text(create_app().openapi())}


def main(argv: list[str] | None = None) -> int:
    """Command line: `DIR [--check]`; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    if len(args) != 1:
        print("usage: python -m prolight_gateway.openapi DIR [--check]", file=sys.stderr)
        return 2
    folder = Path(args[0])
    if check:
        stale = drifted_documents(folder, openapi_documents())
        for name in stale:
            print(f"{folder / name} is out of date; run `make schemas`", file=sys.stderr)
        return 1 if stale else 0
    for path in write_documents(folder, openapi_documents()):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write the JSON Schemas of the public models into a folder (`make schemas`).

    python -m prolight.schema_export proto-schemas           # write the files
    python -m prolight.schema_export proto-schemas --check   # exit 1 if they drifted

Each model in `EXPORTS` becomes `<name>.json`: the schema of what the model accepts
(pydantic's validation mode), keys sorted, two-space indent, UTF-8, one trailing newline,
so the same models always give the same bytes and a drift shows up as a diff. To publish
another model (the run events, later), add a line to `EXPORTS`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from prolight.schema import FiboPrompt, Light, LightingSetup

__all__ = ["EXPORTS", "JSON_SCHEMA_DIALECT", "drifted", "main", "render_schemas", "write_schemas"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The dialect pydantic generates."""

EXPORTS: list[tuple[str, type[BaseModel]]] = [
    ("fibo_prompt", FiboPrompt),
    ("lighting_setup", LightingSetup),
    ("light", Light),
]
"""(file stem, model) for every published schema; extend this list to publish more."""


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def render_schemas() -> dict[str, str]:
    """File name → exact file text for every model in `EXPORTS`."""
    return {
        f"{stem}.json": json.dumps(_schema(model), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
        for stem, model in EXPORTS
    }


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder` (created if missing); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drifted(folder: Path) -> list[str]:
    """Names of the schema files in `folder` that are missing or differ from the models."""
    out = []
    for name, text in render_schemas().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: `DIR [--check]`; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    if len(args) != 1:
        print("usage: python -m prolight.schema_export DIR [--check]", file=sys.stderr)
        return 2
    folder = Path(args[0])
    if check:
        stale = drifted(folder)
        for name in stale:
            print(f"{folder / name} is out of date; run `make schemas`", file=sys.stderr)
        return 1 if stale else 0
    for path in write_schemas(folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write the JSON Schemas of the public models into a folder (`make schemas`).

    python -m prolight.contracts.schema_export proto-schemas           # write the files
    python -m prolight.contracts.schema_export proto-schemas --check   # exit 1 if they drifted

Each model in `EXPORTS` becomes `<name>.json`: the schema of what the model accepts
(pydantic's validation mode); `asyncapi.json` is the pipeline's AsyncAPI document
(`prolight.contracts.asyncapi`). Keys sorted, two-space indent, UTF-8, one trailing newline, so the
same
models always give the same bytes and a drift shows up as a diff. To publish another model,
add a line to `EXPORTS`. The gateway's OpenAPI document is written beside them by
`python -m prolight_gateway.openapi DIR` with the same `write_documents`/`drifted_documents`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from prolight.contracts.asyncapi import asyncapi_document
from prolight.contracts.events import Event
from prolight.domain.schema import FiboPrompt, Light, LightingSetup

__all__ = [
    "EXPORTS",
    "JSON_SCHEMA_DIALECT",
    "as_text",
    "drifted",
    "drifted_documents",
    "main",
    "render_schemas",
    "write_documents",
    "write_schemas",
]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The dialect pydantic generates."""

EXPORTS: list[tuple[str, type[BaseModel]]] = [
    ("fibo_prompt", FiboPrompt),
    ("lighting_setup", LightingSetup),
    ("light", Light),
    ("event", Event),
]
"""(file stem, model) for every published schema; extend this list to publish more."""


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def as_text(document: Any) -> str:
    """The exact file text of a JSON document: sorted keys, two-space indent, newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_schemas() -> dict[str, str]:
    """File name → exact file text for every model in `EXPORTS` and the AsyncAPI document."""
    docs = {f"{stem}.json": as_text(_schema(model)) for stem, model in EXPORTS}
    docs["asyncapi.json"] = as_text(asyncapi_document())
    return docs


def write_documents(folder: Path, documents: dict[str, str]) -> list[Path]:
    """Write file name → text into `folder` (created if missing); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in documents.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drifted_documents(folder: Path, documents: dict[str, str]) -> list[str]:
    """Names of the files in `folder` that are missing or differ from `documents`."""
    out = []
    for name, text in documents.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder`; returns the paths written."""
    return write_documents(folder, render_schemas())


def drifted(folder: Path) -> list[str]:
    """Names of the schema files in `folder` that are missing or differ from the models."""
    return drifted_documents(folder, render_schemas())


def documents_main(
    argv: list[str] | None, prog: str, documents: Callable[[], dict[str, str]]
) -> int:
    """The command line of a module that writes generated documents: `DIR [--check]` writes
    `documents()` into DIR, or with --check exits 1 naming those that drifted."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    if len(args) != 1:
        print(f"usage: python -m {prog} DIR [--check]", file=sys.stderr)
        return 2
    folder = Path(args[0])
    if check:
        stale = drifted_documents(folder, documents())
        for name in stale:
            print(f"{folder / name} is out of date; run `make schemas`", file=sys.stderr)
        return 1 if stale else 0
    for path in write_documents(folder, documents()):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: `DIR [--check]`; returns the exit status."""
    return documents_main(argv, "prolight.contracts.schema_export", render_schemas)


if __name__ == "__main__":
    raise SystemExit(main())

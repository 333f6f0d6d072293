"""Every third-party package the library imports is a dependency of an install that has it.

The service images install `prolight[bus,mongo,s3,otlp]` (deploy/*.Dockerfile) without the test
extra; an import satisfied only by the test extra works in the suite and fails in production
(the renderer's scipy once did).
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

from packaging.requirements import Requirement

LIB = Path(__file__).resolve().parents[1]
SOURCE = LIB / "src" / "prolight"
SERVICE_EXTRAS = ("bus", "mongo", "s3", "otlp")
TEST_ONLY = {"external/fakes"}  # the fake servers run in tests and `make run` with test extras


def _name(dist: str) -> str:
    return dist.lower().replace("_", "-")


def _declared() -> set[str]:
    """The service install's distributions and what they pull in (pydantic → pydantic-core)."""
    project = tomllib.loads((LIB / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    todo = [
        Requirement(r)
        for r in (*project["dependencies"], *(r for e in SERVICE_EXTRAS for r in extras[e]))
    ]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        if _name(req.name) in seen:
            continue
        seen.add(_name(req.name))
        try:
            children = requires(req.name) or []
        except PackageNotFoundError:
            continue
        for child in map(Requirement, children):
            if child.marker is None or child.marker.evaluate({"extra": ""}):
                todo.append(child)
    return seen


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_library_import_is_a_declared_dependency() -> None:
    declared = _declared()
    distributions = packages_distributions()
    missing: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        if any(part in str(path.relative_to(SOURCE)) for part in TEST_ONLY):
            continue
        for name in _imports(path):
            if name in sys.stdlib_module_names or name == "prolight":
                continue
            dists = {_name(d) for d in distributions.get(name, [name])}
            if not dists & declared:
                missing.setdefault(name, set()).add(str(path.relative_to(SOURCE)))
    assert not missing, f"imported but not a dependency of the service install: {missing}"

"""Each deployable installs what it imports, and only that.

A service's install is its pyproject's dependencies, with the `prolight` extras it names
(deploy/*.Dockerfile installs exactly these, without the test extra). The modules a service
imports are found by following its imports through the library (grimp, import-linter's engine),
so a service that reaches the renderer needs `prolight[imaging]` and one that does not (the
notifier, the planner) does not carry numpy, pillow or scipy.
"""

from __future__ import annotations

import sys
import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import grimp
import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
OURS = {
    "prolight": ROOT / "libs/prolight",
    "prolight_tools": ROOT / "libs/prolight-tools",
    "prolight_gateway": ROOT / "services/gateway",
    "prolight_planner": ROOT / "services/planner",
    "prolight_bria_generator": ROOT / "services/bria-generator",
    "prolight_evaluator": ROOT / "services/evaluator",
    "prolight_storage": ROOT / "services/storage",
    "prolight_notifier": ROOT / "services/notifier",
}
DEPLOYABLES = [name for name in OURS if name != "prolight"]
NOT_IMPORTED = {
    "python-multipart": "FastAPI parses the evaluator's form uploads with it",
    "torchvision": "open-clip-torch's image transforms",
}
"""Declared dependencies nobody imports by name, and who uses them."""


def _dist(name: str) -> str:
    return name.lower().replace("_", "-")


@cache
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*OURS, include_external_packages=True)


def _imported(package: str) -> set[str]:
    """Third-party top-level modules that `package` imports, directly or through the library."""
    modules = _graph().find_upstream_modules(package, as_package=True)
    tops = {m.split(".")[0] for m in modules}
    return {t for t in tops if t not in OURS and t not in sys.stdlib_module_names}


def _project(path: Path) -> dict[str, object]:
    project: dict[str, object] = tomllib.loads((path / "pyproject.toml").read_text())["project"]
    return project


def _direct(package: str) -> list[Requirement]:
    """The deployable's own requirements, with prolight[...] expanded to the library's
    requirements and those of the extras named."""
    out: list[Requirement] = []
    for req in map(Requirement, _project(OURS[package])["dependencies"]):  # type: ignore[arg-type]
        if req.name == "prolight":
            lib = _project(OURS["prolight"])
            extras = lib["optional-dependencies"]  # type: ignore[index]
            out += map(Requirement, lib["dependencies"])  # type: ignore[arg-type]
            out += [Requirement(r) for e in sorted(req.extras) for r in extras[e]]
        elif _dist(req.name) != "prolight-tools":
            out.append(req)
    return out


def _installed(package: str) -> set[str]:
    """Every distribution the deployable's install brings (pydantic → pydantic-core, …)."""
    todo = list(_direct(package))
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        if _dist(req.name) in seen:
            continue
        seen.add(_dist(req.name))
        try:
            children = requires(req.name) or []
        except PackageNotFoundError:
            continue
        for child in map(Requirement, children):
            if child.marker is None or child.marker.evaluate({"extra": ""}):
                todo.append(child)
    return seen


@pytest.mark.parametrize("package", DEPLOYABLES)
def test_every_import_is_installed(package: str) -> None:
    distributions = packages_distributions()
    installed = _installed(package) | ({"prolight-tools"} if package != "prolight_tools" else set())
    missing = {
        name
        for name in _imported(package)
        if not {_dist(d) for d in distributions.get(name, [name])} & installed
    }
    assert not missing, f"{package} imports {sorted(missing)}, which its install does not bring"


def _provides() -> dict[str, set[str]]:
    """Distribution → the top-level modules it installs."""
    out: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for d in dists:
            out.setdefault(_dist(d), set()).add(module)
    return out


@pytest.mark.parametrize("package", DEPLOYABLES)
def test_every_own_dependency_is_imported(package: str) -> None:
    """Each of the deployable's own requirements is imported, and each library extra it names
    has at least one of its packages imported (an extra is installed as a whole)."""
    provides = _provides()
    imported = _imported(package)

    def used(req: Requirement) -> bool:
        return _dist(req.name) in NOT_IMPORTED or bool(
            provides.get(_dist(req.name), set()) & imported
        )

    unused = []
    for req in map(Requirement, _project(OURS[package])["dependencies"]):  # type: ignore[arg-type]
        if req.name == "prolight":
            extras = _project(OURS["prolight"])["optional-dependencies"]  # type: ignore[index]
            for extra in sorted(req.extras):
                if not any(used(Requirement(r)) for r in extras[extra]):
                    unused.append(f"prolight[{extra}]")
        elif not used(req):
            unused.append(req.name)
    assert not unused, f"{package} declares {unused} but never imports them"


def test_the_notifier_carries_no_renderer_no_imaging_no_cli() -> None:
    installed = _installed("prolight_notifier")
    assert not installed & {"numpy", "pillow", "scipy", "torch", "typer", "prolight-tools"}

"""deploy/*.Dockerfile, checked without a Docker engine (none runs here): what each image is
built from, what it runs as, what it checks, and that every COPY finds its source in the
build context that .dockerignore leaves."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from deploy_kit import DEPLOY, ROOT, SERVICES

HEALTH_PORTS = {
    "gateway": ("PROLIGHT_GATEWAY_PORT", 8000),
    "notifier": ("PROLIGHT_NOTIFIER_PORT", 8001),
    "planner": ("PROLIGHT_PLANNER_HEALTH_PORT", 8010),
    "bria-generator": ("PROLIGHT_BRIA_GENERATOR_HEALTH_PORT", 8011),
    "storage": ("PROLIGHT_STORAGE_HEALTH_PORT", 8012),
    "evaluator": ("PROLIGHT_EVALUATOR_HEALTH_PORT", 8013),
}


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def stages(path: Path) -> list[Stage]:
    """The Dockerfile's stages, each with its instructions (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    out: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = args.split()
            out.append(Stage(parts[0], parts[2] if len(parts) > 2 else ""))
        elif out:
            out[-1].instructions.append((keyword, args.strip()))
    return out


def dockerfile(service: str) -> Path:
    return DEPLOY / f"{service}.Dockerfile"


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative, POSIX) out of the build context: the last
    rule that matches the path or one of its parents decides, as Docker's does."""
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            negate = line.startswith("!")
            rules.append((negate, line.lstrip("!").rstrip("/")))
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for negate, pattern in rules:
        regex = re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, c) for c in candidates):
            verdict = not negate
    return verdict


@pytest.mark.parametrize("service", list(SERVICES))
def test_each_image_is_multi_stage_non_root_and_health_checked(service: str) -> None:
    found = stages(dockerfile(service))
    assert len(found) >= 2, "multi-stage: build and runtime"
    final = found[-1]
    users = final.all("USER")
    assert users, "no USER in the final stage"
    assert users[-1].split(":")[0] not in ("0", "root"), "runs as non-root"
    [healthcheck] = final.all("HEALTHCHECK")
    variable, port = HEALTH_PORTS[service]
    assert f"'{variable}', '{port}'" in healthcheck
    assert "/healthz" in healthcheck
    assert any(str(port) in e for e in final.all("EXPOSE"))
    # Writable paths are declared for a read-only root filesystem.
    assert any("/tmp" in v for v in final.all("VOLUME"))
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    scripts = project["project"]["scripts"]
    [entrypoint] = final.all("ENTRYPOINT")
    assert entrypoint.strip('[]"') in scripts, "the entry point is the service's console script"


@pytest.mark.parametrize("service", list(SERVICES))
def test_dependencies_are_installed_before_the_source_is_copied(service: str) -> None:
    [build] = [s for s in stages(dockerfile(service)) if s.name == "build"]
    copies = [args for kw, args in build.instructions if kw == "COPY"]
    first_source = next(i for i, c in enumerate(copies) if "/src " in c)
    assert all("pyproject.toml" in c or "constraints.txt" in c for c in copies[:first_source])
    sequence = [kw for kw, _ in build.instructions]
    first_source_at = next(i for i, (_, a) in enumerate(build.instructions) if "/src " in a)
    assert "RUN" in sequence[:first_source_at], "a dependency layer before the source"


@pytest.mark.parametrize("service", list(SERVICES))
def test_only_the_evaluator_image_installs_torch(service: str) -> None:
    text = dockerfile(service).read_text()
    assert ("torch==" in text) == (service == "evaluator")


def test_the_evaluator_has_cuda_and_cpu_variants_with_the_pinned_torch() -> None:
    text = dockerfile("evaluator").read_text()
    assert re.search(r"^ARG CUDA_IMAGE=nvidia/cuda:[\w.-]+-runtime-", text, re.M)
    assert re.search(r"^FROM \$\{CUDA_IMAGE\} AS runtime-cuda$", text, re.M)
    assert re.search(r"^FROM \$\{CPU_IMAGE\} AS runtime-cpu$", text, re.M)
    assert re.search(r"^FROM runtime-\$\{VARIANT\} AS runtime$", text, re.M)
    pins = tomllib.loads((ROOT / "services/evaluator/pyproject.toml").read_text())["project"]
    wanted = dict(re.findall(r"\b(torch|torchvision)==([\w.]+)", " ".join(pins["dependencies"])))
    args = dict(re.findall(r"^ARG (TORCH_VERSION|TORCHVISION_VERSION)=([\w.]+)$", text, re.M))
    assert args == {
        "TORCH_VERSION": wanted["torch"],
        "TORCHVISION_VERSION": wanted["torchvision"],
    }


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_copied_path_exists_and_is_in_the_build_context(service: str) -> None:
    for stage in stages(dockerfile(service)):
        for args in stage.all("COPY"):
            if args.startswith("--from="):
                continue
            *sources, _destination = args.split()
            for source in sources:
                assert (ROOT / source).exists(), f"{service}: COPY {source}: no such path"
                assert not ignored(source.rstrip("/")), f"{service}: .dockerignore drops {source}"


def test_dockerignore_keeps_local_state_out() -> None:
    for path in (
        ".venv/bin/python",
        ".git/config",
        ".prolight/prolight.db",
        ".env",
        "tests/x.py",
        "services/gateway/src/prolight_gateway.egg-info/PKG-INFO",
        "web/node_modules/a",
        "libs/prolight/src/prolight/__pycache__/x.pyc",
    ):
        assert ignored(path), path
    assert not ignored("libs/prolight/src/prolight/platform/bus/client.py")

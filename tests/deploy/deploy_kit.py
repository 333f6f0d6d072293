"""Shared helpers of the deployment checks: the repository's paths, the services' settings,
rendering Kustomize overlays, and reading env files."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from prolight.platform.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = ROOT / "k8s"
SCHEMAS = Path(__file__).with_name("schemas")
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.30.0"
"""The oldest Kubernetes the manifests promise to work on (HPA v2, PDB v1, Ingress v1)."""

SERVICES: dict[str, str] = {
    "gateway": "prolight_gateway.settings:GatewaySettings",
    "notifier": "prolight_notifier.settings:NotifierSettings",
    "planner": "prolight_planner.settings:PlannerSettings",
    "bria-generator": "prolight_bria_generator.settings:GeneratorSettings",
    "evaluator": "prolight_evaluator.settings:EvaluatorSettings",
    "storage": "prolight_storage.settings:StorageSettings",
}
"""Deployable (directory under services/, compose service, k8s Deployment) → settings class."""

_LITERAL = re.compile(r"""["'](PROLIGHT_[A-Z0-9_]+)["']""")


@cache
def settings_class(service: str) -> type[ServiceSettings]:
    module, name = SERVICES[service].split(":")
    cls: type[ServiceSettings] = getattr(importlib.import_module(module), name)
    return cls


@cache
def settings_of(service: str) -> frozenset[str]:
    """Every variable the service's settings class reads (PROLIGHT_* and aliases)."""
    cls = settings_class(service)
    return frozenset(cls.env_name(field) for field in cls.model_fields)


@cache
def read_outside_settings(service: str) -> frozenset[str]:
    """PROLIGHT_* names the service's code (or the shared library) reads as string literals
    outside its settings class, e.g. PROLIGHT_WEB_DIR for the studio's folder."""
    package = SERVICES[service].split(".")[0]
    roots = [ROOT / "libs" / "prolight" / "src", ROOT / "services" / service / "src" / package]
    names: set[str] = set()
    for root in roots:
        for path in root.rglob("*.py"):
            names.update(_LITERAL.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)


@cache
def secret_settings() -> frozenset[str]:
    """Variables holding secrets: every SecretStr setting, and the S3 and MinIO credentials."""
    names = {"AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}
    for service in SERVICES:
        cls = settings_class(service)
        for field, info in cls.model_fields.items():
            if "SecretStr" in str(info.annotation):
                names.add(cls.env_name(field))
    return frozenset(names)


def known_to(service: str) -> frozenset[str]:
    """Every PROLIGHT_* (and aliased) variable the service understands."""
    return settings_of(service) | read_outside_settings(service)


def known_anywhere() -> frozenset[str]:
    return frozenset().union(*(known_to(s) for s in SERVICES))


def configured(name: str) -> bool:
    """Whether a variable name is ProLight configuration (not OTEL_*, AWS_*, compose's own)."""
    return name.startswith("PROLIGHT_") or any(name in settings_of(s) for s in SERVICES)


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        raise RuntimeError("kubectl is not on PATH: it renders the Kustomize overlays")
    return path


@cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    """`kubectl kustomize k8s/overlays/<overlay>` as objects (raises with kubectl's message)."""
    done = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"kubectl kustomize {overlay} failed:\n{done.stderr}")
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def objects(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    """Rendered objects of `kind`, by name."""
    return {o["metadata"]["name"]: o for o in render(overlay) if o["kind"] == kind}


def env_file(path: Path) -> dict[str, bool]:
    """Names in a dotenv file → True when set, False when only named in a comment (`# NAME=`)."""
    entries: dict[str, bool] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        commented = line.startswith("#")
        line = line.lstrip("#").strip()
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=.*", line)
        if match and not (commented and " " in line.split("=", 1)[0]):
            entries.setdefault(match.group(1), not commented)
            if not commented:
                entries[match.group(1)] = True
    return entries

"""The manifests and the services agree on configuration, both ways:

- a manifest that sets a PROLIGHT_* variable no service knows is a typo or a leftover, and
  fails here (a misspelt variable is otherwise silently ignored: extra="ignore");
- a setting a service knows that has no entry (in deploy/.env.example, and in the env of the
  service's Kubernetes Deployment, set or named in `prolight.dev/unset`) fails here too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from deploy_kit import (
    DEPLOY,
    OVERLAYS,
    ROOT,
    SERVICES,
    configured,
    env_file,
    known_anywhere,
    known_to,
    objects,
    render,
    secret_settings,
    settings_class,
    settings_of,
)

UNSET = "prolight.dev/unset"


def deployment_env(overlay: str, service: str) -> set[str]:
    """Variables the service's container gets: explicit env, its ConfigMaps' keys, and the
    names its ConfigMaps list as deliberately unset."""
    by_name = {o["metadata"]["name"]: o for o in render(overlay) if o["kind"] == "ConfigMap"}
    [container] = objects(overlay, "Deployment")[service]["spec"]["template"]["spec"]["containers"]
    names = {var["name"] for var in container.get("env", [])}
    for source in container.get("envFrom", []):
        config: dict[str, Any] = by_name[source["configMapRef"]["name"]]
        names |= set(config.get("data", {}))
        names |= set(config["metadata"].get("annotations", {}).get(UNSET, "").split())
    return names


def test_env_example_names_every_setting_and_nothing_else() -> None:
    entries = set(env_file(DEPLOY / ".env.example"))
    every_setting = frozenset().union(*(settings_of(s) for s in SERVICES))
    missing = sorted(every_setting - entries)
    assert not missing, f"deploy/.env.example lacks (add `NAME=default` or `# NAME=`): {missing}"
    unknown = sorted(n for n in entries if configured(n) and n not in known_anywhere())
    assert not unknown, f"deploy/.env.example names settings no service reads: {unknown}"


def test_env_example_sets_no_secret() -> None:
    text = (DEPLOY / ".env.example").read_text()
    assert "PROLIGHT_STREAM_TOKEN_SECRET" in secret_settings()  # SecretStr fields are found
    for name in secret_settings():
        for value in re.findall(rf"^#?\s*{name}=(.*)$", text, re.M):
            assert value == "", f"{name} has a value in .env.example"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", list(SERVICES))
def test_every_deployment_configures_exactly_its_settings(overlay: str, service: str) -> None:
    env = deployment_env(overlay, service)
    missing = sorted(settings_of(service) - env)
    assert not missing, (
        f"{overlay}/{service}: settings with no manifest entry (add them to "
        f"k8s/base/config/{service}.env or common.env, or to its `{UNSET}` annotation): {missing}"
    )
    unknown = sorted(n for n in env if configured(n) and n not in known_to(service))
    assert not unknown, f"{overlay}/{service}: sets variables it does not know: {unknown}"


def test_every_required_setting_is_set_in_kubernetes() -> None:
    for service in SERVICES:
        cls = settings_class(service)
        required = {cls.env_name(f) for f, info in cls.model_fields.items() if info.is_required()}
        unset = {
            n
            for c in render("prod")
            if c["kind"] == "ConfigMap"
            for n in c["metadata"].get("annotations", {}).get(UNSET, "").split()
        }
        assert not required & unset, f"{service}: required settings marked unset"


def test_compose_services_set_only_what_they_know() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        deployable = "evaluator" if name.startswith("evaluator") else name
        env = service.get("environment", {})
        names = set(env) if isinstance(env, dict) else {e.split("=", 1)[0] for e in env}
        if deployable not in SERVICES:
            assert not {n for n in names if configured(n)}, f"{name} is not a ProLight service"
            continue
        unknown = sorted(n for n in names if configured(n) and n not in known_to(deployable))
        assert not unknown, f"docker-compose.yml {name}: unknown settings {unknown}"
        cls = settings_class(deployable)
        required = {cls.env_name(f) for f, i in cls.model_fields.items() if i.is_required()}
        assert required <= names, f"{name}: required settings not set: {required - names}"


def test_the_checks_catch_a_misspelt_or_missing_setting(tmp_path: Any) -> None:
    # The same rules, fed a file with one typo and one setting missing.
    text = (DEPLOY / ".env.example").read_text()
    broken = tmp_path / ".env"
    broken.write_text(
        text.replace("PROLIGHT_NATS_URL=", "PROLIGHT_NATS_ULR=").replace(
            "PROLIGHT_STORAGE_HEALTH_PORT=8012\n", ""
        )
    )
    entries = set(env_file(broken))
    assert "PROLIGHT_NATS_ULR" in entries
    assert "PROLIGHT_NATS_ULR" not in known_anywhere()
    assert "PROLIGHT_STORAGE_HEALTH_PORT" in settings_of("storage") - entries

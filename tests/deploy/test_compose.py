"""docker-compose.yml: valid against the Compose specification's JSON schema (vendored in
schemas/compose-spec.json), and wired the way README's "Deploy" section promises."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from deploy_kit import ROOT, SCHEMAS, SERVICES

COMPOSE_SCHEMA = json.loads((SCHEMAS / "compose-spec.json").read_text())
PROLIGHT = (*SERVICES, "evaluator-cpu")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def validator() -> jsonschema.Draft201909Validator:
    # The schema names draft 2019-09 by a URI jsonschema does not recognise; say it outright.
    jsonschema.Draft201909Validator.check_schema(COMPOSE_SCHEMA)
    return jsonschema.Draft201909Validator(COMPOSE_SCHEMA)


def test_compose_validates_against_the_compose_spec(compose: dict[str, Any]) -> None:
    validator().validate(compose)


def test_the_schema_refuses_a_broken_file(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["gateway"]["depends_on"]["nats"]["condition"] = "service_ready"
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(broken)
    broken = json.loads(json.dumps(compose))
    broken["services"]["gateway"]["heathcheck"] = broken["services"]["gateway"]["healthcheck"]
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(broken)


def test_infrastructure_and_services_are_all_there(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"nats", "mongo", "minio", "minio-init", *PROLIGHT} <= set(services)
    assert {"otel-collector", "prometheus"} <= set(services)
    assert services["nats"]["command"] == ["-c", "/etc/nats/nats.conf"]
    assert "./deploy/nats.conf:/etc/nats/nats.conf:ro" in services["nats"]["volumes"]
    assert (
        "mc mb --ignore-existing local/prolight-artifacts" in services["minio-init"]["command"][0]
    )


def test_prolight_services_use_mongo_and_s3_and_wait_for_health(compose: dict[str, Any]) -> None:
    for name in PROLIGHT:
        service = compose["services"][name]
        env = service["environment"]
        assert env["PROLIGHT_NATS_URL"] == "nats://nats:4222", name
        assert env["PROLIGHT_STORE_URL"].startswith("mongodb://mongo:27017/"), name
        assert env["PROLIGHT_BLOB_URL"].startswith("s3://prolight-artifacts?endpoint="), name
        assert service["read_only"] is True, name
        assert service["user"] == "10001:10001", name
        assert "/healthz" in " ".join(service["healthcheck"]["test"]), name
        conditions = {dep: spec["condition"] for dep, spec in service["depends_on"].items()}
        assert conditions["nats"] == "service_healthy", name
        if name != "notifier":  # the notifier needs NATS only
            assert conditions["mongo"] == "service_healthy", name
            assert conditions["minio-init"] == "service_completed_successfully", name
        build = service["build"]
        assert build["context"] == "."
        assert (ROOT / build["dockerfile"]).is_file(), name
    for name in ("nats", "mongo", "minio", "prometheus"):
        assert compose["services"][name]["healthcheck"]["test"], name


def test_the_evaluator_runs_on_a_gpu_profile_with_a_cpu_fallback(compose: dict[str, Any]) -> None:
    gpu, cpu = compose["services"]["evaluator"], compose["services"]["evaluator-cpu"]
    assert gpu["profiles"] == ["gpu"]
    assert cpu["profiles"] == ["cpu"]
    [device] = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    assert device["capabilities"] == ["gpu"]
    assert gpu["build"]["args"]["VARIANT"] == "cuda"
    assert cpu["build"]["args"]["VARIANT"] == "cpu"
    assert "evaluator" in cpu["networks"]["default"]["aliases"]  # same name for Prometheus
    for name in ("otel-collector", "prometheus"):
        assert compose["services"][name]["profiles"] == ["observability"]


def test_named_volumes_are_declared_and_used(compose: dict[str, Any]) -> None:
    used = {
        volume.split(":", 1)[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used == set(compose["volumes"])
    assert {"nats-data", "mongo-data", "minio-data"} <= used


def test_the_gateway_requires_keys_and_containers_listen_beyond_loopback(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    gateway = services["gateway"]
    env = gateway["environment"]
    keys_file = env["PROLIGHT_API_KEYS_FILE"]
    assert env["PROLIGHT_LOCAL_DEV"] == "false"
    # The keys' directory is mounted, not the file: `prolight keys revoke` replaces the file,
    # which a file bind mount would never show the container.
    [mount] = [v for v in gateway["volumes"] if v.split(":")[1] == keys_file.rsplit("/", 1)[0]]
    assert mount.endswith(":ro")
    # Only the API is published; /metrics (its own port) is for Prometheus on this network.
    assert gateway["ports"] == [f"{env['PROLIGHT_GATEWAY_PORT']}:{env['PROLIGHT_GATEWAY_PORT']}"]
    assert env["PROLIGHT_GATEWAY_METRICS_PORT"] != env["PROLIGHT_GATEWAY_PORT"]
    # The defaults bind 127.0.0.1; a container's ports are reached from outside it.
    assert env["PROLIGHT_GATEWAY_HOST"] == "0.0.0.0"
    assert services["notifier"]["environment"]["PROLIGHT_NOTIFIER_HOST"] == "0.0.0.0"
    for name in ("planner", "bria-generator", "storage"):
        assert services[name]["environment"]["PROLIGHT_HEALTH_HOST"] == "0.0.0.0", name
    for name in ("evaluator", "evaluator-cpu"):
        assert services[name]["environment"]["PROLIGHT_EVALUATOR_HOST"] == "0.0.0.0", name

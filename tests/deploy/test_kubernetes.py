"""k8s/: every overlay renders, every object validates offline against the Kubernetes API
schemas (kubernetes-validate, strict: unknown fields fail) and the KEDA ScaledObject against
KEDA's schema; then what the platform needs is checked on the rendered objects — among it that
the gateway requires API keys from a Secret, /metrics is on a port no Ingress routes, and prod
serves no /docs."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from deploy_kit import (
    K8S,
    KUBERNETES_VERSION,
    OVERLAYS,
    SCHEMAS,
    objects,
    render,
    secret_settings,
)

from prolight.contracts.subjects import TASKS_STREAM, Tool, tool_durable

KEDA_SCHEMA = json.loads((SCHEMAS / "keda-scaledobject.schema.json").read_text())
DEPLOYMENTS = ("gateway", "notifier", "planner", "bria-generator", "storage", "evaluator")


def validate(obj: dict[str, Any]) -> None:
    """Raise when `obj` does not validate (KEDA objects against KEDA's schema)."""
    if obj["apiVersion"].startswith("keda.sh/"):
        assert obj["kind"] == "ScaledObject", f"no schema vendored for KEDA {obj['kind']}"
        jsonschema.Draft202012Validator(KEDA_SCHEMA).validate(obj)
        return
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def common_config(overlay: str) -> dict[str, str]:
    """The data of the ConfigMap every service reads (`prolight-common-<hash>`)."""
    [common] = [
        o
        for o in render(overlay)
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("prolight-common")
    ]
    data: dict[str, str] = common["data"]
    return data


def nats_servers(overlay: str) -> list[tuple[str, int]]:
    """(host, port) of each server in the services' PROLIGHT_NATS_URL (a comma-separated list)."""
    servers = []
    for url in common_config(overlay)["PROLIGHT_NATS_URL"].split(","):
        host, port = url.strip().removeprefix("nats://").split(":")
        servers.append((host, int(port)))
    return servers


def nats_conf(overlay: str) -> str:
    """The nats.conf the overlay's NATS StatefulSet mounts."""
    pod = objects(overlay, "StatefulSet")["nats"]["spec"]["template"]["spec"]
    [config] = [v for v in pod["volumes"] if v["name"] == "config"]
    text: str = objects(overlay, "ConfigMap")[config["configMap"]["name"]]["data"]["nats.conf"]
    return text


def containers(overlay: str) -> dict[str, dict[str, Any]]:
    return {
        name: d["spec"]["template"]["spec"]["containers"][0]
        for name, d in objects(overlay, "Deployment").items()
    }


def configs(overlay: str) -> dict[str, dict[str, str]]:
    """Each ConfigMap's data by its name without the hash (`prolight-gateway`)."""
    return {
        o["metadata"]["name"].rsplit("-", 1)[0]: o.get("data", {})
        for o in render(overlay)
        if o["kind"] == "ConfigMap"
    }


def metrics_port(container: dict[str, Any]) -> dict[str, Any]:
    """The container port /metrics is served on: the gateway's own `metrics` port, else the
    one port (the API's for the notifier, the health port for the workers)."""
    ports = container["ports"]
    named = [p for p in ports if p["name"] == "metrics"]
    if named:
        return named[0]
    [port] = ports
    return port


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates(overlay: str) -> None:
    kinds = {o["kind"] for o in render(overlay)}
    assert {"Deployment", "Service", "ConfigMap", "Ingress", "HorizontalPodAutoscaler"} <= kinds
    assert "ScaledObject" in kinds
    for obj in render(overlay):
        validate(obj)


def test_the_validators_refuse_what_a_cluster_would() -> None:
    deployment = copy.deepcopy(objects("prod", "Deployment")["gateway"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment)
    scaled = objects("prod", "ScaledObject")["evaluator"]
    for broken in (
        {**scaled, "spec": {**scaled["spec"], "minReplicas": 1}},  # HPA's name, not KEDA's
        {**scaled, "spec": {**scaled["spec"], "triggers": [{"metadata": {}}]}},  # no type
        {**scaled, "spec": {**scaled["spec"], "maxReplicaCount": "16"}},  # a string
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_unprivileged_with_limits_and_probes(overlay: str) -> None:
    deployments = objects(overlay, "Deployment")
    assert set(deployments) == set(DEPLOYMENTS)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        [container] = pod["containers"]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/tmp"}, name
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) & set(resources["limits"]), name
        port = container["ports"][0]  # the API's, or the health port
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            assert container[probe]["httpGet"] == {"path": path, "port": port["name"]}, name
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        scraped = metrics_port(container)["containerPort"]
        assert annotations["prometheus.io/port"] == str(scraped), name
        assert annotations["prometheus.io/path"] == "/metrics", name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_container_port_is_the_port_the_service_listens_on(overlay: str) -> None:
    config = configs(overlay)
    port_setting = {
        "gateway": "PROLIGHT_GATEWAY_PORT",
        "notifier": "PROLIGHT_NOTIFIER_PORT",
        "planner": "PROLIGHT_PLANNER_HEALTH_PORT",
        "bria-generator": "PROLIGHT_BRIA_GENERATOR_HEALTH_PORT",
        "storage": "PROLIGHT_STORAGE_HEALTH_PORT",
        "evaluator": "PROLIGHT_EVALUATOR_HEALTH_PORT",
    }
    for name, container in containers(overlay).items():
        port = container["ports"][0]["containerPort"]
        assert config[f"prolight-{name}"][port_setting[name]] == str(port), name
    gateway = containers(overlay)["gateway"]
    assert config["prolight-gateway"]["PROLIGHT_GATEWAY_METRICS_PORT"] == str(
        metrics_port(gateway)["containerPort"]
    )
    # The services' defaults bind 127.0.0.1 (a laptop); in a pod every port is reached from
    # outside the container, so each address the service binds is set to 0.0.0.0.
    hosts = {
        "gateway": ["PROLIGHT_GATEWAY_HOST"],
        "notifier": ["PROLIGHT_NOTIFIER_HOST"],
        "planner": ["PROLIGHT_HEALTH_HOST"],
        "bria-generator": ["PROLIGHT_HEALTH_HOST"],
        "storage": ["PROLIGHT_HEALTH_HOST"],
        "evaluator": ["PROLIGHT_EVALUATOR_HOST", "PROLIGHT_HEALTH_HOST"],
    }
    for name, variables in hosts.items():
        for variable in variables:
            host = config[f"prolight-{name}"][variable]
            assert host == "0.0.0.0", f"{name}: {variable} must be every interface in a pod"


def test_the_base_holds_no_secret_values() -> None:
    # Secrets are referenced (secretKeyRef), never written; only dev generates a URL without
    # credentials for its in-namespace MongoDB.
    assert not [o for o in render("prod") if o["kind"] == "Secret"]
    seen = set()
    for name, container in containers("prod").items():
        for var in container["env"]:
            seen.add(var["name"])
            if var["name"] in secret_settings():
                assert "value" not in var, f"{name}: {var['name']} has a literal value"
                assert "secretKeyRef" in var["valueFrom"], f"{name}: {var['name']}"
    assert {"PROLIGHT_STREAM_TOKEN_SECRET", "AWS_SECRET_ACCESS_KEY"} <= seen


def test_the_ingress_sends_streams_to_the_notifier_with_long_timeouts() -> None:
    routes: dict[str, tuple[str, dict[str, str]]] = {}
    for ingress in objects("prod", "Ingress").values():
        annotations = ingress["metadata"].get("annotations", {})
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["pathType"] == "Prefix"
                routes[path["path"]] = (path["backend"]["service"]["name"], annotations)
        assert ingress["spec"]["tls"], "prod serves TLS"
    assert routes["/"][0] == "gateway"
    for stream in ("/api/stream", "/ws"):
        service, annotations = routes[stream]
        assert service == "notifier"
        for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
            assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) >= 3600
        assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    services = objects("prod", "Service")
    assert {"gateway", "notifier"} <= set(services)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_and_notifier_scale_on_cpu(overlay: str) -> None:
    hpas = objects(overlay, "HorizontalPodAutoscaler")
    assert set(hpas) == {"gateway", "notifier"}
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"]["name"] == name
        [metric] = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_scales_the_evaluator_on_its_consumer_lag(overlay: str) -> None:
    scaled = objects(overlay, "ScaledObject")["evaluator"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "evaluator"
    if overlay == "prod":  # dev pins every Deployment to one replica, KEDA's range included
        assert "replicas" not in objects(overlay, "Deployment")["evaluator"]["spec"], (
            "KEDA owns the evaluator's replica count"
        )
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "nats-jetstream"
    meta = trigger["metadata"]
    # The stream and durable the evaluator really binds (prolight.platform.serving.tool_worker).
    assert (meta["stream"], meta["consumer"]) == (TASKS_STREAM, tool_durable(Tool.EVALUATE))
    assert meta["account"] == "$G"
    assert int(meta["lagThreshold"]) >= 1
    monitor_host, monitor_port = meta["natsServerMonitoringEndpoint"].split(":")
    # KEDA must watch the NATS the services use: one server, or (clustered) the headless
    # Service under which KEDA finds the consumer leader's pod as <server name>.<host>.
    for host, _ in nats_servers(overlay):
        assert host == monitor_host or host.split(".", 1)[1] == monitor_host, host
    assert monitor_port == "8222"


def test_the_evaluator_asks_for_a_gpu_node_in_prod() -> None:
    pod = objects("prod", "Deployment")["evaluator"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod[
        "tolerations"
    ]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/models"]["readOnly"] is True


def test_prod_has_a_disruption_budget_for_every_service_and_dev_one_replica_each() -> None:
    assert set(objects("prod", "PodDisruptionBudget")) == {*DEPLOYMENTS, "nats"}
    assert objects("prod", "PodDisruptionBudget")["nats"]["spec"]["maxUnavailable"] == 1
    for name, deployment in objects("dev", "Deployment").items():
        assert deployment["spec"]["replicas"] == 1, name
    for hpa in objects("dev", "HorizontalPodAutoscaler").values():
        assert hpa["spec"]["maxReplicas"] == 1
    assert objects("dev", "ScaledObject")["evaluator"]["spec"]["maxReplicaCount"] == 1


def test_prod_runs_a_three_node_jetstream_cluster_with_routes() -> None:
    nats = objects("prod", "StatefulSet")["nats"]
    spec = nats["spec"]
    assert spec["replicas"] == 3
    assert spec["podManagementPolicy"] == "Parallel"
    headless = objects("prod", "Service")[spec["serviceName"]]["spec"]
    assert headless["clusterIP"] == "None"
    assert headless["publishNotReadyAddresses"] is True
    assert {p["port"] for p in headless["ports"]} == {4222, 6222, 8222}
    assert {p["port"] for p in objects("prod", "Service")["nats"]["spec"]["ports"]} == {4222, 8222}
    pod = spec["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"].startswith("nats:2.")
    assert {p["containerPort"] for p in container["ports"]} == {4222, 6222, 8222}
    [spread] = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname"  # one server per node

    conf = nats_conf("prod")
    # JetStream on file storage, on the pod's own PersistentVolumeClaim.
    [store_dir] = re.findall(r"^\s*store_dir:\s*(\S+)", conf, re.M)
    [claim] = spec["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    [mount] = [m for m in container["volumeMounts"] if m["name"] == claim["metadata"]["name"]]
    assert store_dir.startswith(mount["mountPath"].rstrip("/") + "/")
    assert re.search(r"^jetstream\s*\{", conf, re.M)
    assert re.search(r"^server_name:\s*\$POD_NAME$", conf, re.M)
    env = {e["name"]: e for e in container["env"]}
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    # Routes to every member by its stable name under the headless Service.
    [cluster] = re.findall(r"^cluster\s*\{(.*?)^\}", conf, re.M | re.S)
    routes = re.findall(r"nats://([\w.-]+):(\d+)", cluster)
    expected = {f"nats-{i}.{spec['serviceName']}" for i in range(spec["replicas"])}
    assert {host for host, _ in routes} == expected
    assert {int(port) for _, port in routes} == {6222}
    assert re.search(r"^\s*port:\s*6222", cluster, re.M)


def test_prod_keeps_streams_on_three_servers_and_lists_them_all() -> None:
    config = common_config("prod")
    assert config["PROLIGHT_NATS_REPLICAS"] == "3"
    assert float(config["PROLIGHT_NATS_PUBLISH_RETRY_S"]) > 0
    nats = objects("prod", "StatefulSet")["nats"]
    namespace, headless = nats["metadata"]["namespace"], nats["spec"]["serviceName"]
    assert nats_servers("prod") == [
        (f"nats-{i}.{headless}.{namespace}.svc.cluster.local", 4222) for i in range(3)
    ]


def _nats_size(text: str) -> int:
    """Bytes of a nats.conf size such as `10GB` (nats-server's units are powers of 1024)."""
    number, unit = re.fullmatch(r"(\d+)\s*([KMGT]?B?)", text.strip(), re.I).groups()  # type: ignore[union-attr]
    return int(number) * 1024 ** " KMGT".index((unit or " ")[0].upper())


def test_prod_bounds_the_events_stream_by_age_and_size_and_expires_artifacts() -> None:
    """The retention settings are explicit in the prod overlay (not left to the defaults), and
    the events stream fits the JetStream store of each server with room for the rest."""
    config = common_config("prod")
    assert float(config["PROLIGHT_EVENTS_MAX_AGE_S"]) == 7 * 24 * 3600
    events_bytes = int(config["PROLIGHT_EVENTS_MAX_BYTES"])
    [store] = re.findall(r"^\s*max_file_store:\s*(\S+)", nats_conf("prod"), re.M)
    assert 0 < events_bytes <= _nats_size(store) // 4
    [storage] = [
        o
        for o in render("prod")
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("prolight-storage")
    ]
    assert float(storage["data"]["PROLIGHT_ARTIFACT_RETENTION_DAYS"]) > 0
    assert float(storage["data"]["PROLIGHT_ARTIFACT_SWEEP_INTERVAL_S"]) > 0


def test_dev_runs_one_nats_server_without_a_cluster() -> None:
    assert objects("dev", "StatefulSet")["nats"]["spec"]["replicas"] == 1
    conf = nats_conf("dev")
    assert re.search(r"^jetstream\s*\{", conf, re.M)
    assert not re.search(r"^cluster\s*\{", conf, re.M)
    assert common_config("dev")["PROLIGHT_NATS_REPLICAS"] == "1"
    [(host, port)] = nats_servers("dev")
    assert (host.split(".")[0], port) == ("nats", 4222)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_requires_api_keys_from_a_secret(overlay: str) -> None:
    config = configs(overlay)["prolight-gateway"]
    keys_file = config["PROLIGHT_API_KEYS_FILE"]
    assert config["PROLIGHT_LOCAL_DEV"] == "false"  # no keyless gateway in a cluster
    unset = [
        o["metadata"].get("annotations", {}).get("prolight.dev/unset", "")
        for o in render(overlay)
        if o["kind"] == "ConfigMap"
    ]
    assert not any("PROLIGHT_API_KEYS_FILE" in names for names in unset)
    pod = objects(overlay, "Deployment")["gateway"]["spec"]["template"]["spec"]
    [mount] = [m for m in containers(overlay)["gateway"]["volumeMounts"] if m["name"] == "api-keys"]
    assert mount["readOnly"] is True
    assert "subPath" not in mount, "a subPath mount never sees the Secret's updates"
    assert keys_file.startswith(mount["mountPath"].rstrip("/") + "/")
    [volume] = [v for v in pod["volumes"] if v["name"] == "api-keys"]
    secret = volume["secret"]
    assert secret["secretName"] == "prolight-api-keys"
    assert secret.get("optional", False) is False  # a missing Secret keeps the pod from starting
    assert {"key": "api-keys", "path": keys_file.rsplit("/", 1)[1]} in secret["items"]
    # The Secret is created by hand, never rendered with a value.
    assert "prolight-api-keys" not in {o["metadata"]["name"] for o in render(overlay)}
    header = (K8S / "base" / "kustomization.yaml").read_text()
    assert re.search(r"^#\s+prolight-api-keys\s+api-keys\s", header, re.M)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_metrics_are_on_a_port_no_ingress_routes(overlay: str) -> None:
    routes: dict[str, tuple[str, str]] = {}
    for ingress in objects(overlay, "Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                routes[path["path"]] = (backend["name"], backend["port"]["name"])
    assert {port for _, port in routes.values()} == {"http"}
    # /metrics at the public host goes where its longest matching prefix sends it: the
    # gateway's API port, which serves no /metrics (services/gateway/tests check that 404).
    longest = max((p for p in routes if "/metrics".startswith(p)), key=len)
    assert routes[longest] == ("gateway", "http")
    gateway = containers(overlay)["gateway"]
    assert metrics_port(gateway)["name"] == "metrics"
    assert metrics_port(gateway)["containerPort"] != gateway["ports"][0]["containerPort"]
    for service in objects(overlay, "Service").values():
        names = {p.get("name") for p in service["spec"]["ports"]}
        assert "metrics" not in names, service["metadata"]["name"]


def test_prod_serves_no_docs_and_dev_does() -> None:
    assert configs("prod")["prolight-gateway"]["PROLIGHT_GATEWAY_DOCS"] == "false"
    assert configs("dev")["prolight-gateway"]["PROLIGHT_GATEWAY_DOCS"] == "true"

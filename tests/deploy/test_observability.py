"""deploy/prometheus, deploy/otel and deploy/nats.conf: alert expressions parse as PromQL and
name only metrics the services export; the scrape and collector configuration match the
ports; nats-server accepts the configuration."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from deploy_kit import DEPLOY, ROOT
from prometheus_client import Counter, Gauge, Histogram

from prolight.platform import metrics

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def exported() -> set[str]:
    """Every sample name the services can export (prolight.platform.metrics)."""
    names: set[str] = set()
    for value in vars(metrics).values():
        if isinstance(value, Counter | Gauge | Histogram):
            [family] = value.describe()
            suffixes = {
                "counter": ("_total", "_created"),
                "gauge": ("",),
                "histogram": ("_bucket", "_count", "_sum", "_created"),
            }[family.type]
            names.update(family.name + s for s in suffixes)
    return names


def rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_alert_expressions_parse_and_use_exported_metrics() -> None:
    names = exported()
    assert "prolight_runs_total" in names
    assert "prolight_consumer_lag_seconds_bucket" in names
    alerts = {rule["alert"] for rule in rules()}
    assert len(alerts) == len(rules()), "alert names are unique"
    for rule in rules():
        promql_parser.parse(rule["expr"])  # raises ValueError on a syntax error
        used = set(re.findall(r"\bprolight_[a-z0-9_]+", rule["expr"]))
        assert used, rule["alert"]
        assert used <= names, f"{rule['alert']} uses unknown metrics {used - names}"
        assert rule["labels"]["severity"] in ("page", "warn")
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["description"]


def test_the_alerts_cover_what_operations_watch() -> None:
    text = " ".join(rule["expr"] for rule in rules())
    for series in (
        'prolight_runs_total{status="failed"}',  # error rate
        'prolight_http_requests_total{code="5xx"}',
        "prolight_consumer_pending_messages",  # consumer lag
        'prolight_generator_calls_total{backend="bria", outcome!="ok"}',  # BRIA errors
        'prolight_generator_cost_usd_total{backend="bria"}',  # BRIA cost burn
        'prolight_task_duration_seconds_count{tool="evaluate"}',  # evaluator stall
    ):
        assert series in text, series


def test_a_bad_expression_is_caught() -> None:
    with pytest.raises(ValueError, match="parenthesis"):
        promql_parser.parse("sum(rate(prolight_runs_total[5m])")


def test_prometheus_scrapes_every_service_on_its_port() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    targets = {
        group["labels"]["service"]: group["targets"]
        for job in config["scrape_configs"]
        for group in job["static_configs"]
    }
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for service, [target] in targets.items():
        host, port = target.split(":")
        assert host in compose, target
        if service == "gateway":  # /metrics on its own port, which compose does not publish
            environment = compose[service]["environment"]
            assert environment["PROLIGHT_GATEWAY_METRICS_PORT"] == port
            assert not [p for p in compose[service]["ports"] if p.split(":")[-1] == port]
            continue
        assert compose[service]["healthcheck"]["test"][-1].count(f":{port}/healthz") == 1


def test_the_collector_receives_what_the_services_send() -> None:
    collector = yaml.safe_load((DEPLOY / "otel" / "collector.yaml").read_text())
    endpoint = collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    sent = compose["x-prolight-env"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert sent == f"http://otel-collector:{endpoint.rsplit(':', 1)[1]}"
    assert collector["service"]["pipelines"]["traces"]["receivers"] == ["otlp"]


def nats_accepts(conf: Path) -> subprocess.CompletedProcess[str]:
    if not Path(NATS_SERVER).exists():
        pytest.fail(f"no nats-server at {NATS_SERVER}; `make nats` installs it")
    return subprocess.run(
        [NATS_SERVER, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30
    )


def test_nats_server_accepts_the_configuration(tmp_path: Path) -> None:
    conf = DEPLOY / "nats.conf"
    assert nats_accepts(conf).returncode == 0
    text = conf.read_text()
    assert re.search(r"^http_port: 8222$", text, re.M), "monitoring for KEDA and Prometheus"
    assert re.search(r"^jetstream \{", text, re.M)
    assert re.search(r"^max_payload: \S+", text, re.M)
    broken = tmp_path / "nats.conf"
    broken.write_text(text.replace("max_payload: 1MB", "max_payload: {"))
    assert nats_accepts(broken).returncode != 0

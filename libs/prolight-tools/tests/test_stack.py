"""`prolight up`'s banner names every HTTP service's URL on the configured ports; with keys off
the stack is a local development run (the gateway is told so, the banner says so); the
gateway's metrics port is one more port of the stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from prolight_tools.stack import METRICS_PORTS, SERVICE_PORTS, Stack, port_variables

PORTS = {
    "PROLIGHT_GATEWAY_PORT": "18000",
    "PROLIGHT_NOTIFIER_PORT": "18001",
    "PROLIGHT_EVALUATOR_HEALTH_PORT": "18013",
    "PROLIGHT_API_KEYS_FILE": "",
}


def test_the_banner_names_the_gateway_notifier_and_evaluator_urls(tmp_path: Path) -> None:
    banner = "\n".join(Stack(tmp_path, env=PORTS).banner())
    assert "API        http://127.0.0.1:18000" in banner
    assert "notifier   http://127.0.0.1:18001" in banner
    assert "evaluator  http://127.0.0.1:18013  (POST /eval/clip, /eval/lpips, /eval/ensemble" in (
        banner
    )


def test_a_stack_without_the_evaluator_does_not_name_it(tmp_path: Path) -> None:
    banner = "\n".join(Stack(tmp_path, env=PORTS, services=("gateway",)).banner())
    assert "http://127.0.0.1:18000" in banner
    assert "evaluator" not in banner


def test_keys_off_is_a_local_development_run_and_the_banner_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROLIGHT_LOCAL_DEV", raising=False)
    stack = Stack(tmp_path, env=dict(PORTS))
    assert stack.child_env()["PROLIGHT_LOCAL_DEV"] == "true"
    banner = "\n".join(stack.banner())
    assert "API keys: OFF" in banner
    assert "PROLIGHT_LOCAL_DEV=true" in banner
    assert "127.0.0.1 only" in banner


def test_keys_on_is_no_local_development_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROLIGHT_LOCAL_DEV", raising=False)
    stack = Stack(tmp_path, env={**PORTS, "PROLIGHT_API_KEYS_FILE": str(tmp_path / "keys")})
    assert "PROLIGHT_LOCAL_DEV" not in stack.child_env()
    assert f"API keys: on ({tmp_path / 'keys'})" in "\n".join(stack.banner())


def test_the_gateways_metrics_port_is_its_own_and_set_for_it(tmp_path: Path) -> None:
    stack = Stack(tmp_path, env={**PORTS, "PROLIGHT_GATEWAY_METRICS_PORT": "18014"})
    assert stack.metrics_port("gateway") == 18014
    assert stack.metrics_port("planner") == stack.port("planner")  # the health port
    assert stack.child_env()["PROLIGHT_GATEWAY_METRICS_PORT"] == "18014"
    assert "metrics    http://127.0.0.1:18014/metrics" in "\n".join(stack.banner())
    assert set(port_variables()) == {
        *(var for var, _ in SERVICE_PORTS.values()),
        "PROLIGHT_GATEWAY_METRICS_PORT",
    }
    assert METRICS_PORTS["gateway"] == ("PROLIGHT_GATEWAY_METRICS_PORT", 8014)


def test_docs_off_are_not_in_the_banner(tmp_path: Path) -> None:
    stack = Stack(tmp_path, env={**PORTS, "PROLIGHT_GATEWAY_DOCS": "false"})
    assert "/docs" not in "\n".join(stack.banner())

"""`prolight up`'s banner names every HTTP service's URL on the configured ports."""

from __future__ import annotations

from pathlib import Path

from prolight_tools.stack import Stack

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

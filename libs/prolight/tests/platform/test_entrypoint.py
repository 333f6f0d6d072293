"""run_service: settings, tracing and logging set up, serve until a signal, clean exits."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import pytest

from prolight.platform.bus import BusUnavailableError
from prolight.platform.entrypoint import run_service
from prolight.platform.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    demo_port: int = 8099


@pytest.fixture
def setup(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Records what run_service configured instead of installing it in the test process."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(
        "prolight.platform.entrypoint.configure_tracing", lambda name: seen.update(name=name)
    )
    monkeypatch.setattr(
        "prolight.platform.entrypoint.configure_logging",
        lambda level, service: seen.update(logging={"level": level, "service": service}),
    )
    monkeypatch.setattr(
        "prolight.platform.entrypoint.freeze_startup_heap", lambda: seen.update(frozen=True)
    )
    return seen


@pytest.mark.parametrize(
    "sig", [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")]
)
def test_serve_gets_the_settings_and_runs_until_a_stop_signal(
    monkeypatch: pytest.MonkeyPatch, setup: dict[str, Any], sig: signal.Signals
) -> None:
    monkeypatch.setenv("PROLIGHT_DEMO_PORT", "9100")
    monkeypatch.setenv("PROLIGHT_LOG_LEVEL", "debug")
    served: list[DemoSettings] = []

    async def serve(settings: DemoSettings, stop: asyncio.Event) -> None:
        served.append(settings)
        os.kill(os.getpid(), sig)
        await asyncio.wait_for(stop.wait(), 5)

    run_service("demo", DemoSettings, serve)

    assert [s.demo_port for s in served] == [9100]
    assert setup["name"] == "demo"
    assert setup["logging"] == {"level": "DEBUG", "service": "demo"}
    assert setup["frozen"]  # the start-up heap, before serving


def test_a_bad_variable_exits_naming_it_before_serving(
    monkeypatch: pytest.MonkeyPatch, setup: dict[str, Any]
) -> None:
    monkeypatch.setenv("PROLIGHT_DEMO_PORT", "eighty")

    async def serve(settings: DemoSettings, stop: asyncio.Event) -> None:
        raise AssertionError("served with bad settings")

    with pytest.raises(SystemExit) as exited:
        run_service("demo", DemoSettings, serve)
    assert str(exited.value.code).startswith("demo: invalid configuration: PROLIGHT_DEMO_PORT")
    assert setup == {}


def test_an_unreachable_dependency_at_start_up_exits_with_its_message(
    setup: dict[str, Any],
) -> None:
    async def serve(settings: DemoSettings, stop: asyncio.Event) -> None:
        raise BusUnavailableError("NATS at nats://127.0.0.1:4222 unreachable")

    with pytest.raises(SystemExit) as exited:
        run_service("demo", DemoSettings, serve)
    assert exited.value.code == "demo: NATS at nats://127.0.0.1:4222 unreachable"


def test_a_bug_keeps_its_traceback(setup: dict[str, Any]) -> None:
    async def serve(settings: DemoSettings, stop: asyncio.Event) -> None:
        raise KeyError("oops")

    with pytest.raises(KeyError):
        run_service("demo", DemoSettings, serve)

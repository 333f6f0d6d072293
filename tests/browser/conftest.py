"""Browser fixtures: Debian's Chromium driven by Playwright against the whole stack.

`stack` is the end-to-end stack from the prolight_testing plugin (six services and a
nats-server, started once per session). `browser` is /usr/bin/chromium started by
Playwright — the system browser, never a downloaded one — headless, with the flags this
machine needs (no sandbox as root, no background networking: the network is closed) and a
fresh profile. SwiftShader is allowed so WebGL, and with it the 3D preview, works without a
GPU. Each test gets a `studio` page on the gateway's `/`; a JavaScript error on the page fails
the test. Screenshots go to `out/ui/` (`shot`).

Everything here skips, with the reason, when Chromium, Playwright or the built studio is
missing; `make setup` provides all three.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "ui"
CHROMIUM = os.environ.get("PROLIGHT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # WebGL in software: Chromium no longer falls back to SwiftShader by itself.
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]

__all__ = ["browser", "shot", "studio"]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (make setup installs Debian's chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Python's playwright is not installed (make setup installs it)"
    if not (ROOT / "web" / "dist" / "index.html").is_file():
        return "the web studio is not built: web/dist/index.html is missing (run make setup)"
    return None


# Module scope, not session: Playwright's sync API keeps an asyncio loop running in this thread
# while it is open, and every async test after it (tests/e2e, tests/integration in the same
# pytest run) would fail with "Runner.run() cannot be called from a running event loop".
@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium from the system, headless, with a fresh profile (see the module doc)."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1440, "height": 1000},
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def studio(browser: Any, stack: Any) -> Iterator[Any]:
    """A new tab on the studio, loaded and ready; fails the test on any page error."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20_000)
    page.goto(stack.gateway_url + "/")
    page.wait_for_selector("body[data-ready='true']")
    page.wait_for_selector("#preset option[value='rembrandt']", state="attached")
    try:
        yield page
    finally:
        page.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shot() -> Any:
    """`shot(page, "01-name")` writes out/ui/01-name.png (the full page)."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str, full_page: bool = True) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take

"""The web studio: the built front end (`web/dist`, made by `make setup`) served at `/`.

    GET /            index.html (no-cache: a rebuilt studio is picked up on reload)
    GET /assets/…    the bundle: studio.js (three.js inside), studio.css, source map

Only these two paths are taken, so every `/api` route, `/docs` and the JSON 404 for an
unknown path stay as they are, and none of it is in the OpenAPI document. The pages need no
API key: the studio sends the user's key with its own `/api` requests.

The folder is `PROLIGHT_WEB_DIR` when set (an installed gateway has no checkout beside it),
else `web/dist` of this checkout. When it is not built, `/` answers 503 with a page that says
how to build it, instead of a bare 404.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["WEB_DIR_VAR", "mount_studio", "studio_dir"]

WEB_DIR_VAR = "PROLIGHT_WEB_DIR"
"""Environment variable naming the built studio folder (the one holding index.html)."""

# Four levels up from this file: src/prolight_gateway → services/gateway → the checkout.
_CHECKOUT_DIST = Path(__file__).resolve().parents[4] / "web" / "dist"

# The page loads only its own bundle; it talks to this origin and the notifier's WebSocket.
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; "
        "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
}

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>ProLight Studio</title>
<body style="font:16px system-ui;background:#121417;color:#e8e6e1;padding:2rem">
<h1>The web studio is not built</h1>
<p>Run <code>make setup</code> (it needs Node.js and npm) and reload this page, or set
<code>{var}</code> to a built studio folder. The API is up: <a href="/docs">/docs</a>.</p>
<p style="color:#9aa1ab">Looked in {where}.</p>"""


def studio_dir(environ: dict[str, str] | None = None) -> Path:
    """The folder the studio is served from (`PROLIGHT_WEB_DIR`, else the checkout's build)."""
    value = (os.environ if environ is None else environ).get(WEB_DIR_VAR, "").strip()
    return Path(value) if value else _CHECKOUT_DIST


class _Assets(StaticFiles):
    """The bundle, with the page's headers (revalidated with the ETag on every load); a
    missing build answers 404 like any missing file, not Starlette's 500."""

    async def check_config(self) -> None:
        if self.directory is not None and Path(self.directory).is_dir():
            await super().check_config()

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(_HEADERS)
        return response


def mount_studio(app: FastAPI, directory: Path | None = None) -> None:
    """Serve the studio from `directory` (default `studio_dir()`) at `/` and `/assets`."""
    root = directory if directory is not None else studio_dir()
    index = root / "index.html"

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def studio_page() -> Response:
        if not index.is_file():
            body = _NOT_BUILT.format(var=WEB_DIR_VAR, where=root)
            return HTMLResponse(body, status_code=503, headers={"Cache-Control": "no-cache"})
        return FileResponse(index, media_type="text/html", headers=_HEADERS)

    # check_dir=False: the gateway starts (and serves the API) before the studio is built.
    app.mount("/assets", _Assets(directory=root / "assets", check_dir=False), name="studio")

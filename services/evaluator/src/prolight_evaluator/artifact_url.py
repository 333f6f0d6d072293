"""This deployment's artifact URLs, read back into artifact ids; every other URL is refused.

The evaluator never fetches an address a client gives it (no SSRF, no request at all): a URL
names an image only when it is the gateway's own artifact URL, `ArtifactOut.url` =
`{PROLIGHT_GATEWAY_PUBLIC_URL}/api/artifacts/<id>` (`prolight_gateway.routes.artifacts`), and
the image is then read from the run store and the artifact store by that id, like an
`artifact_id`. Accepted forms:

- `{gateway}/api/artifacts/<id>`: the gateway's scheme, host and port, compared as text after
  lower-casing and filling in the scheme's default port (no DNS look-up, so `localhost` is not
  `127.0.0.1`: configure the name clients use), then the gateway's base path;
- the path alone, `<base path>/api/artifacts/<id>`: it names no host at all.

`<id>` is letters, digits, `_` and `-` (what artifact ids are made of). Everything else is
`url_refused` (422, naming the field) before anything is read: another host or port
(`http://169.254.169.254/…`, another host with the artifact path), another scheme (`file:`,
`ftp:`), user info (`http://gateway@elsewhere/…`), a query or fragment (a thumbnail's
`?size=N` is not the artifact), percent-escapes, dot segments, backslashes, spaces, control
and non-ASCII characters.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from prolight.contracts.api import ARTIFACTS_PATH, artifact_url
from prolight.platform.http_errors import ApiError

__all__ = ["MAX_URL_CHARS", "artifact_id_of"]

MAX_URL_CHARS = 2048
"""Longest URL looked at; longer ones are refused unread."""

_ID = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Printable ASCII a URL needs, without `%` (escapes), `\` (read as `/` by some parsers) or space.
_URL_CHARS = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; ValueError for a bad port or another scheme."""
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("not an http(s) URL with a host")
    port = parts.port  # ValueError when out of range
    return scheme, parts.hostname.lower(), _DEFAULT_PORTS[scheme] if port is None else port


def _refuse(field: str, url: str, gateway: str, why: str) -> ApiError:
    shown = url if len(url) <= 200 else url[:200] + "…"
    return ApiError(
        f"`{field}` takes this deployment's artifact URLs only "
        f"({artifact_url(gateway, '<id>')}), never fetches another: {why}: {shown!r}",
        status=422,
        code="url_refused",
        field=field,
    )


def artifact_id_of(url: str, gateway: str, field: str) -> str:
    """The artifact id an own artifact URL names (module doc).

    `gateway` is the gateway's public base URL; `field` names the form field in the error.
    Raises `ApiError(url_refused)` for every other URL.
    """
    if len(url) > MAX_URL_CHARS or not _URL_CHARS.fullmatch(url):
        raise _refuse(field, url, gateway, "not a plain URL (escapes, spaces or other characters)")
    try:
        parts = urlsplit(url)
        own = urlsplit(gateway)
        if parts.scheme or parts.netloc:
            if parts.username is not None or parts.password is not None:
                raise _refuse(field, url, gateway, "user info in a URL")
            if _origin(parts) != _origin(own):
                raise _refuse(field, url, gateway, "not this deployment's gateway")
    except ValueError as exc:
        raise _refuse(field, url, gateway, "not a URL this gateway serves") from exc
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise _refuse(field, url, gateway, "a query or fragment (give the artifact's own URL)")
    prefix = own.path.rstrip("/") + ARTIFACTS_PATH
    artifact_id = parts.path.removeprefix(prefix)
    if not parts.path.startswith(prefix) or not _ID.fullmatch(artifact_id):
        raise _refuse(field, url, gateway, "not an artifact's URL")
    return artifact_id

"""Where a run's webhook may point: the URL rules, checked when a run is accepted and again,
with a fresh DNS answer, before every delivery attempt.

A `webhook_url` must be

1. absolute, `https://` (or `http://` with `PROLIGHT_WEBHOOK_ALLOW_HTTP=true`), with a host
   and no credentials (`user:pass@`) or fragment;
2. on a host `PROLIGHT_WEBHOOK_ALLOWED_HOSTS` allows: an entry equal to the host (a name, or an
   IP written any valid way), `*.example.com` (any name under example.com, not example.com
   itself) or `*` (any host). No entries: webhooks are off;
3. never an internal address unless the host is listed *exactly*: an IP literal, or a name
   any of whose addresses is private, loopback, link-local, multicast, reserved, unspecified or
   otherwise not global (IPv4 and IPv6, IPv4 inside IPv6 included: mapped, 6to4, Teredo,
   NAT64). A wildcard never lets one through; listing `127.0.0.1` or `localhost` does (tests,
   local development).

`Target.addresses` are the addresses checked: the deliverer connects to the first of them
(with the original host in `Host` and TLS SNI), so the name cannot resolve to another address
between the check and the connection (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from prolight.domain.errors import ProLightError
from prolight.platform.http_errors import InvalidRequest

if TYPE_CHECKING:  # settings.py imports this module
    from prolight_gateway.settings import GatewaySettings

__all__ = [
    "Resolver",
    "Target",
    "WebhookRefused",
    "WebhookUnresolved",
    "allowed_hosts",
    "check_target",
    "check_webhook_url",
    "is_internal",
    "resolve",
    "settings_hosts",
]

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
"""(host, port) → its addresses; `resolve` by default."""

_NAT64 = IPv6Address("64:ff9b::")


class WebhookRefused(ProLightError):
    """A webhook URL this gateway will not call; the message says why, for the client."""


class WebhookUnresolved(WebhookRefused):
    """The webhook host does not resolve (now): refused when a run names it, tried again
    later by the deliverer (DNS may be back)."""


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: its parts and the addresses it may be called at."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[IPAddress, ...]
    listed: bool  # the host is in the allowed hosts exactly (internal addresses allowed)

    @property
    def host_header(self) -> str:
        """The `Host` header: the host, and the port when it is not the scheme's."""
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    def pinned_url(self) -> str:
        """The URL with the host replaced by the first checked address."""
        address = self.addresses[0]
        host = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def _ip(text: str) -> IPAddress | None:
    try:
        return ip_address(text.strip("[]"))
    except ValueError:
        return None


def allowed_hosts(text: str) -> tuple[str, ...]:
    """The entries of `PROLIGHT_WEBHOOK_ALLOWED_HOSTS`, normalised (lower case, IPs in their
    short form); ValueError naming an entry that is no host, IP or wildcard."""
    entries: list[str] = []
    for raw in text.split(","):
        entry = raw.strip().lower()
        if entry.endswith(".") and entry != "*.":  # a fully qualified name
            entry = entry[:-1]
        if not entry:
            continue
        ip = _ip(entry)
        if ip is not None:
            entries.append(str(ip))
            continue
        name = entry.removeprefix("*.") if entry != "*" else ""
        labels = name.split(".") if name else []
        valid = all(
            0 < len(label) <= 63 and label.replace("-", "").isalnum() and label.isascii()
            for label in labels
        )
        if entry != "*" and (not labels or not valid or "*" in name):
            raise ValueError(
                f"{raw.strip()!r} is not a host name, an IP, *.domain or *: list hosts "
                "without scheme, port or path"
            )
        entries.append(entry)
    return tuple(dict.fromkeys(entries))


def is_internal(address: IPAddress) -> bool:
    """Whether `address` is anything but a global unicast address (module doc, rule 3)."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
            return is_internal(address.ipv4_mapped)
        embedded = address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and int(address) >> 32 == int(_NAT64) >> 32:
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and is_internal(embedded):
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to now (an IP literal: itself); `WebhookRefused` when it
    does not resolve."""
    literal = _ip(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
        raise WebhookUnresolved(f"the webhook host {host!r} does not resolve ({exc})") from exc
    addresses = [ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    return list(dict.fromkeys(addresses))


def _parts(url: str, *, allow_http: bool) -> tuple[SplitResult, str, int]:
    # Before splitting: urlsplit drops tabs and newlines silently (WHATWG), so a URL that
    # holds one would be checked as another than the one stored.
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise WebhookRefused("the webhook_url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise WebhookRefused(f"the webhook_url is not a valid URL ({exc})") from exc
    if parts.scheme not in ("https", "http") or not host or not parts.netloc:
        raise WebhookRefused("the webhook_url must be an absolute https:// URL with a host")
    if parts.scheme == "http" and not allow_http:
        raise WebhookRefused("the webhook_url must use https:// (this gateway refuses http://)")
    if parts.username is not None or parts.password is not None:
        raise WebhookRefused("the webhook_url must not carry credentials (user:password@)")
    if parts.fragment:
        raise WebhookRefused("the webhook_url must not have a #fragment")
    if port == 0:
        raise WebhookRefused("the webhook_url's port must be 1–65535")
    ip = _ip(host)
    if ip is not None:
        host = str(ip)
    else:
        try:
            host = host.encode("idna").decode("ascii").lower().rstrip(".")
        except UnicodeError as exc:
            raise WebhookRefused(f"the webhook_url's host {host!r} is not a valid name") from exc
        if not host:
            raise WebhookRefused("the webhook_url must be an absolute https:// URL with a host")
    return parts, host, port or (443 if parts.scheme == "https" else 80)


def _allowed(host: str, entries: tuple[str, ...]) -> bool | None:
    """True: listed exactly; False: allowed by a wildcard; None: not allowed."""
    if host in entries:
        return True
    is_name = _ip(host) is None
    for entry in entries:
        if entry == "*" or (is_name and entry.startswith("*.") and host.endswith(entry[1:])):
            return False
    return None


async def check_target(
    url: str,
    *,
    hosts: tuple[str, ...],
    allow_http: bool,
    resolver: Resolver = resolve,
) -> Target:
    """`url` checked against the rules (module doc), its host resolved now; raises
    `WebhookRefused` saying which rule it breaks."""
    if not hosts:
        raise WebhookRefused(
            "webhooks are off on this gateway (no PROLIGHT_WEBHOOK_ALLOWED_HOSTS): leave "
            "webhook_url out"
        )
    parts, host, port = _parts(url, allow_http=allow_http)
    listed = _allowed(host, hosts)
    if listed is None:
        raise WebhookRefused(f"the webhook host {host!r} is not one this gateway allows")
    addresses = await resolver(host, port)
    if not addresses:
        raise WebhookUnresolved(f"the webhook host {host!r} does not resolve")
    internal = [str(a) for a in addresses if is_internal(a)]
    if internal and not listed:
        raise WebhookRefused(
            f"the webhook host {host!r} is an internal address ({', '.join(internal)}); "
            "only hosts the gateway lists by name may be"
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url, parts.scheme, host, port, path, tuple(addresses), listed)


def settings_hosts(settings: GatewaySettings) -> tuple[str, ...]:
    """The allowed hosts of `settings` (normalised when the settings were read)."""
    return tuple(h for h in settings.webhook_allowed_hosts.split(",") if h)


async def check_webhook_url(url: str, settings: GatewaySettings) -> Target:
    """`check_target` under the gateway's settings, for a run being accepted: a refused URL is
    a 422 naming `webhook_url`."""
    try:
        return await check_target(
            url, hosts=settings_hosts(settings), allow_http=settings.webhook_allow_http
        )
    except WebhookRefused as exc:
        code = "webhook_refused" if settings.webhooks_on else "webhooks_disabled"
        raise InvalidRequest(str(exc), field="webhook_url", code=code) from exc

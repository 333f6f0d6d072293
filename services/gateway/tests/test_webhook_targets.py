"""The webhook URL rules (`webhook_targets`): allowed-host entries, internal addresses, and the
check a URL passes when a run names it. Names resolve through the machine's real resolver;
only `localhost` and IP literals are used, so no network is needed."""

from __future__ import annotations

import asyncio
from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prolight_gateway.webhook_targets import (
    WebhookRefused,
    allowed_hosts,
    check_target,
    is_internal,
)


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        pytest.param("", (), id="empty-is-off"),
        pytest.param(" Hooks.Example.com. ,*.acme.io", ("hooks.example.com", "*.acme.io"), id="n"),
        pytest.param("*", ("*",), id="any-public"),
        pytest.param("127.0.0.1, [::1], 0:0::1", ("127.0.0.1", "::1"), id="ips-normalised"),
    ],
)
def test_allowed_hosts_are_normalised(text: str, entries: tuple[str, ...]) -> None:
    assert allowed_hosts(text) == entries


@pytest.mark.parametrize(
    "text", ["https://hooks.example.com", "hooks.example.com:443", "a.*.com", "*.", "exa mple.com"]
)
def test_an_entry_that_is_no_host_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a host name"):
        allowed_hosts(text)


@pytest.mark.parametrize(
    ("address", "internal"),
    [
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
        ("10.0.0.1", True),
        ("172.16.5.4", True),
        ("192.168.1.1", True),
        ("127.0.0.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),  # shared address space (carrier NAT)
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("239.255.255.250", True),
        ("240.0.0.1", True),
        ("::1", True),
        ("::", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("::ffff:10.0.0.1", True),  # IPv4-mapped
        ("::ffff:8.8.8.8", False),
        ("2002:a00:1::", True),  # 6to4 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of 169.254.169.254
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", True),  # Teredo of 10.0.0.1
    ],
)
def test_internal_addresses(address: str, internal: bool) -> None:
    assert is_internal(ip_address(address)) is internal


@pytest.mark.parametrize(
    ("url", "hosts", "says"),
    [
        pytest.param("https://8.8.8.8/x", (), "webhooks are off", id="off"),
        pytest.param("ftp://8.8.8.8/x", ("*",), "absolute https://", id="scheme"),
        pytest.param("8.8.8.8/x", ("*",), "absolute https://", id="no-scheme"),
        pytest.param("https:///x", ("*",), "absolute https://", id="no-host"),
        pytest.param("http://8.8.8.8/x", ("*",), "must use https://", id="http"),
        pytest.param("https://u:p@8.8.8.8/", ("*",), "credentials", id="credentials"),
        pytest.param("https://u@8.8.8.8/", ("*",), "credentials", id="user"),
        pytest.param("https://8.8.8.8/#f", ("*",), "fragment", id="fragment"),
        pytest.param("https://8.8.8.8/a\tb", ("*",), "control characters", id="tab"),
        pytest.param("https://8.8.8.8:0/", ("*",), "port", id="port-0"),
        pytest.param("https://8.8.8.8:99999/", ("*",), "not a valid URL", id="port-range"),
        pytest.param("https://[::1/", ("*",), "not a valid URL", id="bad-ipv6"),
        pytest.param("https://evil.test/", ("hooks.test",), "not one", id="unlisted"),
        pytest.param("https://hooks.test.evil/", ("*.hooks.test",), "not one", id="suffix"),
        pytest.param("https://10.1.2.3/", ("*",), "internal address", id="private"),
        pytest.param("https://[::ffff:127.0.0.1]/", ("*",), "internal address", id="mapped"),
        pytest.param("https://localhost/", ("*",), "internal address", id="name-to-loopback"),
        pytest.param("https://localhost/", ("*.localhost", "*"), "internal", id="wildcards"),
        pytest.param("https://127.0.0.1/", ("127.0.0.2",), "not one", id="another-ip"),
    ],
)
async def test_a_url_that_breaks_a_rule_is_refused(
    url: str, hosts: tuple[str, ...], says: str
) -> None:
    with pytest.raises(WebhookRefused, match=says):
        await check_target(url, hosts=hosts, allow_http=False)


@pytest.mark.parametrize(
    ("url", "hosts", "pinned"),
    [
        pytest.param("https://8.8.8.8/hook?a=1", ("*",), "https://8.8.8.8:443/hook?a=1", id="any"),
        pytest.param("http://127.0.0.1:9/h", ("127.0.0.1",), "http://127.0.0.1:9/h", id="listed"),
        pytest.param("http://[::1]:9", ("::1",), "http://[::1]:9/", id="listed-ipv6"),
        pytest.param("http://LOCALHOST:9/h", ("localhost",), ":9/h", id="listed-by-name"),
    ],
)
async def test_a_url_the_gateway_may_call(url: str, hosts: tuple[str, ...], pinned: str) -> None:
    target = await check_target(url, hosts=hosts, allow_http=True)
    assert target.pinned_url().endswith(pinned)
    assert target.listed is (hosts != ("*",))


async def test_the_host_header_keeps_the_name_and_a_port_not_the_schemes() -> None:
    target = await check_target("http://localhost:9/h", hosts=("localhost",), allow_http=True)
    assert target.host_header == "localhost:9"
    assert all(is_internal(a) for a in target.addresses)


async def _public(host: str, port: int) -> list[IPv4Address | IPv6Address]:
    return [ip_address("93.184.215.14")]  # no DNS: what a name resolves to is not the point


@settings(max_examples=300, deadline=None)
@given(
    url=st.one_of(
        st.text(max_size=80),
        st.builds(
            "{}://{}{}".format,
            st.sampled_from(["http", "https", "HTTPS", "ftp", ""]),
            st.text(max_size=40),
            st.text(max_size=20),
        ),
    )
)
def test_any_text_is_a_target_or_a_refusal_never_another_error(url: str) -> None:
    async def check() -> None:
        try:
            target = await check_target(url, hosts=("*",), allow_http=True, resolver=_public)
        except WebhookRefused:
            return
        assert target.scheme in ("http", "https")
        assert target.pinned_url().startswith(f"{target.scheme}://93.184.215.14:")

    asyncio.run(check())

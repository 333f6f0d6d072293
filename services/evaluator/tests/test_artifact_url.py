"""Own artifact URLs read back into ids; every other URL refused, naming the field."""

from __future__ import annotations

import pytest

from prolight.contracts.api import artifact_url
from prolight.platform.http_errors import ApiError
from prolight_evaluator.artifact_url import MAX_URL_CHARS, artifact_id_of

BEHIND_A_PATH = "https://studio.example.com/prolight"


LOCAL = "http://127.0.0.1:8000"
GENERATED = "r1-i1-generate-0-image"


@pytest.mark.parametrize(
    ("gateway", "url", "artifact_id"),
    [
        pytest.param(LOCAL, f"{LOCAL}/api/artifacts/{GENERATED}", GENERATED, id="local"),
        pytest.param(
            "https://gw.example.com",
            "https://gw.example.com:443/api/artifacts/a_1",
            "a_1",
            id="443",
        ),
        pytest.param(BEHIND_A_PATH, f"{BEHIND_A_PATH}/api/artifacts/x", "x", id="base-path"),
        pytest.param(BEHIND_A_PATH, "/prolight/api/artifacts/x", "x", id="base-path-only"),
    ],
)
def test_own_artifact_urls_give_their_id(gateway: str, url: str, artifact_id: str) -> None:
    assert artifact_id_of(url, gateway, "url") == artifact_id
    assert artifact_id_of(artifact_url(gateway, artifact_id), gateway, "url") == artifact_id


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://studio.example.com/api/artifacts/x", id="without-the-base-path"),
        pytest.param("/api/artifacts/x", id="path-without-the-base-path"),
        pytest.param("https://studio.example.com.evil.test/prolight/api/artifacts/x", id="suffix"),
        pytest.param("https://studio.example.com:8443/prolight/api/artifacts/x", id="port"),
        pytest.param("https://studio.example.com:99999/prolight/api/artifacts/x", id="bad-port"),
        pytest.param("https://[::1/prolight/api/artifacts/x", id="bad-ipv6"),
        pytest.param("https://studio.example.com/prolight/api/artifacts/x#frag", id="fragment"),
        pytest.param("https://studio.example.com/prolight/api/artifacts/x/y", id="deeper"),
        pytest.param("https://studio.example.com/prolight/api/artifacts/", id="no-id"),
        pytest.param("https://studio.example.com/prolight/api/artifacts/x y", id="space"),
        pytest.param("https://studio.example.com/prolight/api/artifacts/é", id="non-ascii"),
        pytest.param("https://studio.example.com/prolight/api/artifacts/x\n", id="newline"),
        pytest.param("gopher://studio.example.com/prolight/api/artifacts/x", id="gopher"),
        pytest.param("http://0x7f000001/prolight/api/artifacts/x", id="hex-ip"),
        pytest.param("https://" + "a" * MAX_URL_CHARS, id="too-long"),
        pytest.param("", id="empty"),
    ],
)
def test_every_other_url_is_refused_naming_the_field(url: str) -> None:
    with pytest.raises(ApiError) as caught:
        artifact_id_of(url, BEHIND_A_PATH, "reference_url")
    assert (caught.value.status, caught.value.code) == (422, "url_refused")
    assert caught.value.field == "reference_url"
    assert "/api/artifacts/<id>" in str(caught.value)

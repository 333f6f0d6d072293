"""Fuzzing the request bodies: whatever arrives, the answer is never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gateway_utils.bodies import fibo_body, readme_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.integration

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)

_ENDPOINTS = (
    "/api/generate/lighting-setup",
    "/api/generate/natural-language",
    "/api/analyze/lighting",
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(value[head], rest, new)
    return copy


@st.composite
def _mutated(draw: st.DrawFn) -> Any:
    """A valid body with one value (anywhere in it) replaced by arbitrary JSON."""
    base = draw(
        st.sampled_from(
            [
                readme_body(),
                fibo_body(),
                {"lighting_setup": readme_body()["lighting_setup"]},
                {"lighting_description": "soft butterfly light with a warm rim", "num_results": 2},
            ]
        )
    )
    path = draw(st.sampled_from(_paths(base)))
    return _replace(base, path, draw(_json))


_FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_FUZZ
@given(endpoint=st.sampled_from(_ENDPOINTS), body=_json)
async def test_arbitrary_json_never_500(gateway: Any, endpoint: str, body: Any) -> None:
    data = json.dumps(body)  # NaN and Infinity included: Python's JSON reader accepts them
    r = await gateway.client.post(
        endpoint, content=data, headers={"content-type": "application/json"}
    )
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert {"code", "message"} <= set(r.json())


@_FUZZ
@given(endpoint=st.sampled_from(_ENDPOINTS), body=_mutated())
async def test_mutated_valid_bodies_never_500(gateway: Any, endpoint: str, body: Any) -> None:
    r = await gateway.client.post(
        endpoint, content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert r.status_code < 500, r.text


@_FUZZ
@given(raw=st.binary(max_size=200))
async def test_arbitrary_bytes_never_500(gateway: Any, raw: bytes) -> None:
    r = await gateway.client.post(
        "/api/generate/lighting-setup", content=raw, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 or r.status_code == 202, r.text


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        pytest.param(
            "/api/generate/lighting-setup",
            {**readme_body(), "camera_settings": {"shot_type": {}}},
            id="dict-where-a-shot-type-goes",
        ),
        pytest.param(
            "/api/analyze/lighting",
            {"lighting_setup": {"key": {"intensity": 0.8, "distance": 1e-300}}},
            id="distance-whose-square-underflows",
        ),
    ],
)
async def test_library_gaps_found_by_fuzzing_are_422(
    gateway: Any, endpoint: str, body: Any
) -> None:
    r = await gateway.client.post(endpoint, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_input"

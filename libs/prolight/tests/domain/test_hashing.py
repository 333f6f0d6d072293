"""prompt_hash: equivalent inputs hash the same, different inputs differ, metadata is left out."""

from __future__ import annotations

import json
import math
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from prolight.domain.hashing import FLOAT_DECIMALS, canonical_json, prompt_hash
from prolight.domain.schema import load_prompt

FEW = settings(max_examples=40, deadline=None)

# Angles on a 0.5° grid: azimuth in (-180, 180], elevation within ±85 (away from the pole,
# where the azimuth of a vector is undefined).
azimuths = st.integers(-359, 360).map(lambda n: n / 2)
elevations = st.integers(-170, 170).map(lambda n: n / 2)


def _prompt(key: dict[str, Any], **scene: Any) -> dict[str, Any]:
    return {"schema_version": "fibo_v1", "scene": {"lighting": {"key": key}, **scene}}


def _vector(az: float, el: float) -> list[float]:
    a, e = math.radians(az), math.radians(el)
    return [math.cos(e) * math.sin(a), math.sin(e), math.cos(e) * math.cos(a)]


def _text(az: float, el: float) -> str:
    side = "camera-right" if az >= 0 else "camera-left"
    vertical = f"{abs(el):g} degrees {'above' if el >= 0 else 'below'}"
    return (
        f"azimuth {az:g} elevation {el:g}"
        if abs(az) > 90
        else f"{abs(az):g} degrees {side}, {vertical}"
    )


@FEW
@given(az=azimuths, el=elevations)
def test_direction_as_text_vector_and_mapping_hash_the_same(az: float, el: float) -> None:
    as_mapping = prompt_hash(load_prompt(_prompt({"direction": {"azimuth": az, "elevation": el}})))
    as_vector = prompt_hash(load_prompt(_prompt({"direction": _vector(az, el)})))
    as_text = prompt_hash(load_prompt(_prompt({"direction": _text(az, el)})))
    assert as_mapping == as_vector == as_text


@FEW
@given(
    az=azimuths,
    intensity=st.integers(1, 200).map(lambda n: n / 100),  # a lone key must give some light
    kelvin=st.integers(1000, 20000),
    seed=st.randoms(use_true_random=False),
)
def test_key_order_does_not_matter(
    az: float, intensity: float, kelvin: int, seed: random.Random
) -> None:
    key = {"direction": {"azimuth": az}, "intensity": intensity, "kelvin": kelvin, "softness": 0.5}
    data = _prompt(key, camera={"aperture": 2.8, "iso": 200}, environment="studio")

    def shuffled(value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            seed.shuffle(items)
            return {k: shuffled(v) for k, v in items}
        return value

    assert prompt_hash(load_prompt(data)) == prompt_hash(load_prompt(shuffled(data)))


@FEW
@given(
    kelvin=st.integers(1000, 20000),
    alias=st.sampled_from(["color_temperature", "colorTemperature"]),
)
def test_kelvin_aliases_hash_the_same(kelvin: int, alias: str) -> None:
    assert prompt_hash(load_prompt(_prompt({"kelvin": kelvin}))) == prompt_hash(
        load_prompt(_prompt({alias: kelvin}))
    )
    assert prompt_hash(load_prompt(_prompt({"kelvin": kelvin}))) == prompt_hash(
        load_prompt(_prompt({"kelvin": float(kelvin)}))
    )


def test_number_spellings_hash_the_same() -> None:
    # JSON text is where "0.5" vs "0.50" and "1" vs "1.0" actually differ.
    a = json.loads('{"scene": {"lighting": {"key": {"intensity": 0.5, "distance": 2}}}}')
    b = json.loads('{"scene": {"lighting": {"key": {"intensity": 0.50, "distance": 2.0}}}}')
    c = json.loads('{"scene": {"lighting": {"key": {"intensity": 5e-1, "distance": 2.000}}}}')
    assert prompt_hash(load_prompt(a)) == prompt_hash(load_prompt(b)) == prompt_hash(load_prompt(c))


def test_defaults_hash_like_their_explicit_values() -> None:
    implicit = load_prompt(_prompt({}))
    explicit = load_prompt(
        _prompt(
            {
                "intensity": 0.5,
                "kelvin": 5600,
                "softness": 0.5,
                "distance": 1.5,
                "direction": {"azimuth": 0, "elevation": 0},
                "modifier": "softbox",
                "enabled": True,
                "role": "key",
            }
        )
    )
    assert prompt_hash(implicit) == prompt_hash(explicit)


def test_older_shapes_hash_like_the_canonical_one() -> None:
    api = {
        "lighting_setup": {
            "key": {"direction": "45 degrees camera-right", "color_temperature": 5600}
        }
    }
    canonical = _prompt({"direction": [1, 0, 1], "kelvin": 5600})
    assert prompt_hash(load_prompt(api)) == prompt_hash(load_prompt(canonical))


@FEW
@given(
    seed=st.integers(0, 2**31 - 1),
    creator=st.text(max_size=20),
    project=st.text(max_size=20),
    locked=st.lists(st.sampled_from(["camera", "lighting.key", "output"]), max_size=3),
)
def test_metadata_does_not_change_the_hash(
    seed: int, creator: str, project: str, locked: list[str]
) -> None:
    base = _prompt({"intensity": 0.7})
    with_meta = {
        **base,
        "metadata": {"seed": seed, "creator": creator, "project": project, "locked_fields": locked},
    }
    assert prompt_hash(load_prompt(with_meta)) == prompt_hash(load_prompt(base))
    assert prompt_hash(load_prompt(base, seed=seed)) == prompt_hash(load_prompt(base))


@FEW
@given(
    a=st.integers(1, 100),
    b=st.integers(1, 100),
    field=st.sampled_from(["intensity", "softness"]),
)
def test_different_values_hash_differently(a: int, b: int, field: str) -> None:
    ha = prompt_hash(load_prompt(_prompt({field: a / 100})))
    hb = prompt_hash(load_prompt(_prompt({field: b / 100})))
    assert (ha == hb) == (a == b)


@FEW
@given(az1=azimuths, az2=azimuths)
def test_different_directions_hash_differently(az1: float, az2: float) -> None:
    h1 = prompt_hash(load_prompt(_prompt({"direction": {"azimuth": az1}})))
    h2 = prompt_hash(load_prompt(_prompt({"direction": {"azimuth": az2}})))
    same_place = az1 == az2 or {az1, az2} == {-180.0, 180.0}
    assert (h1 == h2) == same_place


def test_every_part_of_what_decides_the_image_is_hashed() -> None:
    base = _prompt({})
    variants = [
        _prompt({"modifier": "grid"}),
        _prompt({"gel": {"kind": "cto", "amount": 0.5}}),
        _prompt({}, camera={"aperture": 4}),
        _prompt({}, background={"color": "black"}),
        _prompt({}, subject={"description": "a bottle", "kind": "product"}),
        _prompt({}, environment="beach"),
        _prompt({}, style="moody"),
        {**base, "output": {"aspect_ratio": "1:1"}},
        {"scene": {"lighting": {"key": {}, "fill": {}}}},
    ]
    hashes = {prompt_hash(load_prompt(v)) for v in variants} | {prompt_hash(load_prompt(base))}
    assert len(hashes) == len(variants) + 1


def test_canonical_json_is_compact_sorted_and_rounded() -> None:
    assert canonical_json({"b": 1, "a": [0.123456789, -0.0]}) == '{"a":[0.1235,0.0],"b":1}'
    assert FLOAT_DECIMALS == 4
    assert canonical_json({"é": "ü"}) == '{"é":"ü"}'


def test_hash_is_sha256_hex() -> None:
    h = prompt_hash(load_prompt(_prompt({})))
    assert len(h) == 64
    assert int(h, 16) >= 0

"""Refine mode's edits: instructions and JSON patches change only what they address."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prolight.domain.errors import InvalidInput
from prolight.domain.presets import get_preset
from prolight.domain.refine import (
    DEFAULT_STOPS,
    MIRED_STEP,
    apply_patch,
    changed_paths,
    diff,
    is_locked,
    refine_prompt,
)
from prolight.domain.schema import FiboPrompt, Role


def prompt(preset: str = "rim_lit_dramatic_fashion", locked: list[str] | None = None) -> FiboPrompt:
    base = FiboPrompt(scene=get_preset(preset).setup)
    return base.model_copy(
        update={"metadata": base.metadata.model_copy(update={"locked_fields": locked or []})}
    )


@pytest.mark.parametrize(
    ("instruction", "preset", "paths"),
    [
        pytest.param("make the rim light cooler", "rim_lit_dramatic_fashion",
                     ["lighting.rim.kelvin"], id="cooler-rim"),
        pytest.param("one stop less fill", "loop", ["lighting.fill.intensity"], id="less-fill"),
        pytest.param("half a stop more fill", "loop", ["lighting.fill.intensity"], id="half"),
        pytest.param("softer key", "loop", ["lighting.key.softness"], id="softer"),
        pytest.param("move the key closer", "loop", ["lighting.key.distance"], id="closer"),
        pytest.param("more contrast", "loop", ["lighting.fill.intensity"], id="contrast"),
        pytest.param("turn off the kicker", "rim_lit_dramatic_fashion",
                     ["lighting.kicker.enabled"], id="off"),
        pytest.param("rim at 3200K", "rim_lit_dramatic_fashion", ["lighting.rim.kelvin"],
                     id="kelvin"),
        pytest.param("key to 30 degrees camera-left", "loop",
                     ["lighting.key.direction.azimuth", "lighting.key.direction.elevation"],
                     id="direction"),
        pytest.param("warmer", "loop", ["lighting.fill.kelvin", "lighting.key.kelvin"],
                     id="warmer-face-lights"),
    ],
)  # fmt: skip
def test_an_instruction_changes_only_what_it_names(
    instruction: str, preset: str, paths: list[str]
) -> None:
    base = prompt(preset)
    refined = refine_prompt(base, instruction=instruction)
    assert [c.path for c in refined.changes] == paths
    assert refined.prompt.metadata == base.metadata


def test_the_amounts_are_in_stops_and_mired() -> None:
    base = prompt("loop")
    fill = base.scene.lighting[Role.FILL]
    less = refine_prompt(base, instruction="one stop less fill").prompt
    assert less.scene.lighting[Role.FILL].intensity == pytest.approx(fill.intensity / 2, 1e-3)
    more = refine_prompt(base, instruction="more fill").prompt
    assert more.scene.lighting[Role.FILL].intensity == pytest.approx(
        fill.intensity * 2**DEFAULT_STOPS, 1e-3
    )
    rim = prompt().scene.lighting[Role.RIM]
    cooler = refine_prompt(prompt(), instruction="make the rim light cooler").prompt
    shift = 1e6 / cooler.scene.lighting[Role.RIM].kelvin - 1e6 / rim.kelvin
    assert shift == pytest.approx(-MIRED_STEP, abs=0.1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"instruction": "please make it nicer"}, "instruction", id="not-understood"),
        pytest.param({"instruction": "one stop less fill"}, "instruction", id="no-such-light"),
        pytest.param({}, "", id="neither"),
        pytest.param({"instruction": "warmer", "patch": []}, "", id="both"),
        pytest.param(
            {"patch": [{"op": "replace", "path": "/scene/lighting/key/intensity", "value": 3}]},
            "patch.scene.lighting.key.intensity",
            id="invalid-value",
        ),
        pytest.param(
            {"patch": [{"op": "move", "from": "/a", "path": "/b"}]}, "patch[0].op", id="bad-op"
        ),
        pytest.param(
            {"patch": [{"op": "replace", "path": "/scene/nope", "value": 1}]},
            "patch[0].path",
            id="missing-member",
        ),
        pytest.param(
            {"patch": [{"op": "test", "path": "/scene/lighting/key/kelvin", "value": 1}]},
            "patch[0]",
            id="failed-test",
        ),
    ],
)
def test_bad_edits_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        refine_prompt(prompt(), **kwargs)
    assert field in [e.field for e in caught.value.errors]


@pytest.mark.parametrize(
    ("locked", "kwargs"),
    [
        pytest.param(["lighting.rim"], {"instruction": "make the rim light cooler"}, id="rim"),
        pytest.param(["lighting"], {"instruction": "softer key"}, id="all-lighting"),
        pytest.param(
            ["composition"],
            {"patch": [{"op": "replace", "path": "/scene/camera/shot_type", "value": "headshot"}]},
            id="composition",
        ),
        pytest.param(
            ["output"],
            {"patch": [{"op": "replace", "path": "/output/aspect_ratio", "value": "1:1"}]},
            id="output",
        ),
    ],
)
def test_a_locked_field_is_never_changed(locked: list[str], kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="locked"):
        refine_prompt(prompt(), locked_fields=locked, **kwargs)
    with pytest.raises(InvalidInput, match="locked"):  # locked in the prompt itself, too
        refine_prompt(prompt(locked=locked), **kwargs)


def test_a_patch_on_an_unlocked_path_applies_and_keeps_the_locks() -> None:
    refined = refine_prompt(
        prompt(),
        patch=[{"op": "replace", "path": "/scene/lighting/key/kelvin", "value": 4300}],
        locked_fields=["camera"],
    )
    assert [(c.path, c.after) for c in refined.changes] == [("lighting.key.kelvin", 4300.0)]
    assert refined.prompt.metadata.locked_fields == ["camera"]


def test_diff_and_locks_speak_the_lock_vocabulary() -> None:
    base = prompt("loop")
    patched = apply_patch(base, [{"op": "replace", "path": "/scene/subject/head_turn_deg",
                                  "value": 10}])  # fmt: skip
    assert changed_paths(base, patched) == ["subject.head_turn_deg"]
    assert diff(base, patched)[0].before == 0.0
    assert is_locked("subject.head_turn_deg", ["composition"])
    assert is_locked("lighting.rim.kelvin", ["lighting"])
    assert not is_locked("lighting.rim.kelvin", ["lighting.key"])
    assert not is_locked("lighting.keyx", ["lighting.key"])


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_pointer = st.lists(
    st.sampled_from(["scene", "lighting", "key", "fill", "rim", "kelvin", "direction", "camera",
                     "output", "metadata", "0", "~1", ""]),
    max_size=5,
).map(lambda parts: "".join("/" + p for p in parts))  # fmt: skip
_op = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "test", "move", "x"]), "path": _pointer},
    optional={"value": _json},
)


@settings(max_examples=150, deadline=None)
@given(patch=st.lists(_op | _json, max_size=4), text=st.text(max_size=60))
def test_whatever_arrives_an_edit_applies_or_names_the_problem(patch: Any, text: str) -> None:
    for kwargs in ({"patch": patch}, {"instruction": text}):
        with contextlib.suppress(InvalidInput):
            refine_prompt(prompt("loop"), **kwargs)

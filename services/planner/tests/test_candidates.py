"""The finite planner: seeds base_seed + i, documented fill deltas, locks respected."""

from __future__ import annotations

import pytest

from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt, Role
from prolight_planner.candidates import FILL_INTENSITY_STEP, FILL_MIRED_STEP, candidate_prompts


def prompt(locked: list[str] | None = None, preset: str = "rembrandt") -> FiboPrompt:
    base = FiboPrompt(scene=get_preset(preset).setup)
    return base.model_copy(
        update={"metadata": base.metadata.model_copy(update={"locked_fields": locked or []})}
    )


def test_seeds_are_base_seed_plus_index_and_land_in_the_prompt() -> None:
    out = candidate_prompts(prompt(), 4, 100)
    assert [c.seed for c in out] == [100, 101, 102, 103]
    assert [c.prompt.metadata.seed for c in out] == [100, 101, 102, 103]
    assert [c.index for c in out] == [0, 1, 2, 3]


def test_candidate_one_is_as_asked_and_the_others_step_the_fill() -> None:
    base = prompt()
    fill = base.scene.lighting[Role.FILL]
    out = candidate_prompts(base, 3, 0)
    assert out[1].delta == "as asked"
    assert out[1].prompt.scene == base.scene
    under, over = out[0].prompt.scene.lighting[Role.FILL], out[2].prompt.scene.lighting[Role.FILL]
    assert under.intensity == pytest.approx(fill.intensity * (1 - FILL_INTENSITY_STEP), abs=1e-4)
    assert over.intensity == pytest.approx(fill.intensity * (1 + FILL_INTENSITY_STEP), abs=1e-4)
    assert 1e6 / over.kelvin == pytest.approx(1e6 / fill.kelvin + FILL_MIRED_STEP, rel=1e-3)
    assert "fill intensity" in out[0].delta


def test_the_key_is_never_touched() -> None:
    base = prompt()
    for c in candidate_prompts(base, 5, 0):
        assert c.prompt.scene.lighting[Role.KEY] == base.scene.lighting[Role.KEY]


@pytest.mark.parametrize(
    ("locked", "intensity_changes", "kelvin_changes"),
    [
        pytest.param(["lighting"], False, False, id="all-lighting"),
        pytest.param(["lighting.fill"], False, False, id="the-fill"),
        pytest.param(["lighting.fill.intensity"], False, True, id="fill-intensity"),
        pytest.param(["lighting.fill.kelvin"], True, False, id="fill-kelvin"),
        pytest.param(["camera"], True, True, id="unrelated"),
    ],
)
def test_locked_fields_stay_as_asked(
    locked: list[str], intensity_changes: bool, kelvin_changes: bool
) -> None:
    base = prompt(locked)
    fill = base.scene.lighting[Role.FILL]
    changed = candidate_prompts(base, 3, 0)[2].prompt.scene.lighting[Role.FILL]
    assert (changed.intensity != fill.intensity) is intensity_changes
    assert (changed.kelvin != fill.kelvin) is kelvin_changes


def test_it_is_deterministic() -> None:
    assert candidate_prompts(prompt(), 4, 9) == candidate_prompts(prompt(), 4, 9)


def test_a_single_candidate_is_the_prompt_as_asked_under_the_base_seed() -> None:
    base = prompt()
    (only,) = candidate_prompts(base, 1, 77)
    assert only.delta == "as asked"
    assert only.seed == 77
    assert only.prompt.scene == base.scene

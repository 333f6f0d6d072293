"""The evaluator's settings refuse what cannot work, naming the variable."""

from __future__ import annotations

import pytest

from prolight.platform.settings import ConfigurationError
from prolight_evaluator.settings import EvaluatorSettings


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        pytest.param(
            "PROLIGHT_EVALUATOR_CLIP_MODEL", "hf-hub:laion/x", "nothing downloads", id="hub"
        ),
        pytest.param(
            "PROLIGHT_EVALUATOR_WEIGHTS", '{"aesthetics": 1}', "unknown metric", id="metric"
        ),
        pytest.param("PROLIGHT_EVALUATOR_WEIGHTS", '{"clip": 0}', "at least one", id="all-zero"),
        pytest.param("PROLIGHT_EVALUATOR_DEVICE", "tpu", "cuda:N", id="device"),
        pytest.param("PROLIGHT_EVALUATOR_BATCH_SIZE", "0", "greater than", id="batch"),
    ],
)
def test_bad_values_stop_the_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable) as info:
        EvaluatorSettings.load()
    assert message in str(info.value)


def test_weights_are_read_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROLIGHT_EVALUATOR_WEIGHTS", '{"lighting": 1, "ssim": 1}')
    assert EvaluatorSettings.load().evaluator_weights == {"lighting": 1.0, "ssim": 1.0}


def test_an_empty_path_variable_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROLIGHT_EVALUATOR_CLIP_CHECKPOINT", "")
    assert EvaluatorSettings.load().evaluator_clip_checkpoint is None

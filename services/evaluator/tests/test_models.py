"""Loading models from local files: loaded, unavailable with a reason, or a start-up error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from evaluator_testkit import TinyWeights, noise

from prolight_evaluator.errors import ModelLoadError
from prolight_evaluator.models import Models, Unavailable, load_models


def test_the_tiny_models_load_through_the_production_code(tiny_models: Models) -> None:
    assert tiny_models.describe() == {
        "device": "cpu",
        "precision": "fp32",
        "clip": "loaded",
        "lpips": "loaded",
    }


def test_unconfigured_weights_leave_the_metric_unavailable_naming_the_variable() -> None:
    models = load_models(
        TinyWeights(Path(), Path(), Path()).settings(
            evaluator_clip_checkpoint=None,
            evaluator_clip_config=None,
            evaluator_lpips_backbone=None,
        )
    )
    assert isinstance(models.clip, Unavailable)
    assert "PROLIGHT_EVALUATOR_CLIP_CHECKPOINT" in models.clip.reason
    assert isinstance(models.lpips, Unavailable)
    assert "PROLIGHT_EVALUATOR_LPIPS_BACKBONE" in models.lpips.reason


def test_a_configured_file_that_is_not_there_is_unavailable(
    tiny_weights: TinyWeights, tmp_path: Path
) -> None:
    gone = tmp_path / "nothing.pt"
    models = load_models(
        tiny_weights.settings(evaluator_clip_checkpoint=gone, evaluator_lpips_backbone=gone)
    )
    assert isinstance(models.clip, Unavailable)
    assert str(gone) in models.clip.reason
    assert isinstance(models.lpips, Unavailable)


@pytest.mark.parametrize(
    "field",
    [
        pytest.param("evaluator_clip_checkpoint", id="clip"),
        pytest.param("evaluator_lpips_backbone", id="lpips"),
    ],
)
def test_a_file_that_does_not_load_stops_the_start(
    tiny_weights: TinyWeights, tmp_path: Path, field: str
) -> None:
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelLoadError):
        load_models(tiny_weights.settings(**{field: broken}))


def test_a_backbone_of_another_network_is_refused(tiny_weights: TinyWeights) -> None:
    with pytest.raises(ModelLoadError):
        load_models(tiny_weights.settings(evaluator_lpips_net="vgg"))


def test_lpips_is_zero_for_identical_images_and_grows_with_change(tiny_models: Models) -> None:
    lpips = tiny_models.lpips
    assert not isinstance(lpips, Unavailable)
    x = torch.from_numpy(noise(64, 48, seed=1)).permute(2, 0, 1)[None].float() / 255
    darker = x * 0.7
    other = torch.from_numpy(noise(64, 48, seed=2)).permute(2, 0, 1)[None].float() / 255
    same, dark, different = lpips.distance(torch.cat([x, x, x]), torch.cat([x, darker, other]))
    assert same == 0.0
    assert 0.0 < dark < different


def test_clip_similarity_is_a_cosine(tiny_models: Models) -> None:
    clip = tiny_models.clip
    assert not isinstance(clip, Unavailable)
    images = torch.stack([clip.prepare(noise(40, 40, seed=s)) for s in (1, 2)])
    a, b = clip.similarity(images, ["a photo", "a photo"])
    assert -1.0 <= a <= 1.0
    assert a != b
    assert clip.similarity(images[:1], ["a photo"])[0] == pytest.approx(a, abs=1e-5)
    assert np.isfinite([a, b]).all()

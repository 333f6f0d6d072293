"""Generating without the bus: size cap, cache key, cache hit renders nothing, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from prolight.domain.presets import get_preset
from prolight.domain.render import RenderResult, render
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import LocalArtifactStore
from prolight.platform.settings import ConfigurationError
from prolight.platform.store import ArtifactRecord, SqliteRunStore
from prolight_bria_generator.generate import generate, model_id, render_size
from prolight_bria_generator.settings import GeneratorSettings


@pytest.mark.parametrize(
    ("asked", "cap", "expected"),
    [
        pytest.param((1024, 1280), (512, 640), (512, 640), id="4:5-halved"),
        pytest.param((2048, 1152), (512, 640), (512, 288), id="16:9-by-width"),
        pytest.param((300, 400), (512, 640), (300, 400), id="small-kept"),
        pytest.param((4096, 64), (96, 120), (96, 64), id="never-below-64"),
    ],
)
def test_render_size_fits_the_cap_keeping_the_aspect(
    asked: tuple[int, int], cap: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert render_size(asked, *cap) == expected


def test_the_cap_is_part_of_the_model_name() -> None:
    assert model_id(512, 640) == "prolight-local-v1@512x640"
    assert model_id(512, 640) != model_id(96, 120)


async def test_a_cache_hit_returns_the_stored_artifact_and_renders_nothing(tmp_path: Path) -> None:
    prompt = FiboPrompt(scene=get_preset("butterfly").setup)
    calls: list[int] = []

    def counting(p: FiboPrompt, seed: int, w: int, h: int) -> RenderResult:
        calls.append(seed)
        return render(p, seed, w, h)

    blobs = LocalArtifactStore(tmp_path / "blobs")
    async with await SqliteRunStore.open(tmp_path / "s.db") as store:
        kwargs = {"store": store, "blobs": blobs, "max_width": 96, "max_height": 120}
        first = await generate(prompt, 3, renderer=counting, **kwargs)  # type: ignore[arg-type]
        assert first.status == "completed"
        assert (first.result.width, first.result.height) == (96, 120)
        assert await blobs.exists(first.result.sha256)
        record = ArtifactRecord(
            artifact_id="a1",
            run_id="r",
            sha256=first.result.sha256,
            url=first.result.url,
            size_bytes=1,
            width=96,
            height=120,
            seed=3,
            prompt_hash=first.result.prompt_hash,
            model=first.result.model,
            meta={"render_report": first.result.render_report},
        )
        await store.put_artifact(record)
        await store.cache_artifact(record.prompt_hash or "", 3, record.model or "", "a1")

        again = await generate(prompt, 3, renderer=counting, **kwargs)  # type: ignore[arg-type]
        other_seed = await generate(prompt, 4, renderer=counting, **kwargs)  # type: ignore[arg-type]

    assert again.status == "cached"
    assert again.result.cached_artifact_id == "a1"
    assert again.result.sha256 == first.result.sha256
    assert again.result.render_report == first.result.render_report
    assert other_seed.status == "completed"
    assert calls == [3, 4]


def test_an_unknown_backend_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROLIGHT_GENERATOR_BACKEND", "dall-e")
    with pytest.raises(ConfigurationError, match="PROLIGHT_GENERATOR_BACKEND"):
        GeneratorSettings.load()


def test_the_defaults_are_the_local_backend_at_512x640(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PROLIGHT_GENERATOR_BACKEND", "PROLIGHT_GENERATOR_MAX_WIDTH"):
        monkeypatch.delenv(name, raising=False)
    settings = GeneratorSettings.load()
    assert settings.generator_backend == "local"
    assert (settings.generator_max_width, settings.generator_max_height) == (512, 640)
    assert settings.bria_generator_health_port == 8011

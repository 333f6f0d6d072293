"""Generating without the bus: size cap, cache key, the prompt cache the generator writes and
reads (real SQLite, real blobs), identical generations in flight rendering once, settings."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from prolight.contracts.tasks import image_artifact_id
from prolight.domain.errors import RenderError
from prolight.domain.hashing import prompt_hash
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.render import RenderResult
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import LocalArtifactStore
from prolight.platform.settings import ConfigurationError
from prolight.platform.store import ArtifactRecord, SqliteRunStore
from prolight_bria_generator.generate import (
    Flights,
    Generated,
    generate,
    model_id,
    render_size,
)
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


def test_the_quality_the_variant_and_the_cap_are_part_of_the_model_name() -> None:
    assert model_id("draft", 512, 640) == "prolight-photoreal-v1:llvm_ad_rgb:draft@512x640"
    assert model_id("draft", 512, 640) != model_id("draft", 96, 120)
    assert model_id("final", 512, 640) != model_id("draft", 512, 640)


class Counting:
    """The real renderer, counting its calls; with `hold` set it blocks (in its thread) until
    `release` is set, so a test can put other requests in flight meanwhile."""

    def __init__(self, *, hold: bool = False, error: Exception | None = None) -> None:
        self.calls: list[int] = []
        self.hold, self.error = hold, error
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, p: FiboPrompt, seed: int, w: int, h: int) -> RenderResult:
        self.calls.append(seed)
        self.entered.set()
        if self.hold and not self.release.wait(timeout=10):
            raise TimeoutError("the test never released the renderer")
        if self.error is not None:
            raise self.error
        return render(p, seed, w, h)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Yield to the loop until `condition()` holds (no sleeping: each turn is a bare yield)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0)


PROMPT = FiboPrompt(scene=get_preset("butterfly").setup)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteRunStore]:
    async with await SqliteRunStore.open(tmp_path / "s.db") as s:
        yield s


@pytest.fixture
def blobs(tmp_path: Path) -> LocalArtifactStore:
    return LocalArtifactStore(tmp_path / "blobs")


def _generate(
    store: SqliteRunStore,
    blobs: LocalArtifactStore,
    renderer: Counting,
    task_id: str,
    seed: int = 3,
    flights: Flights | None = None,
) -> Awaitable[Generated]:
    return generate(
        PROMPT,
        seed,
        task_id=task_id,
        store=store,
        blobs=blobs,
        max_width=96,
        max_height=120,
        renderer=renderer,
        flights=flights,
    )


async def test_the_generator_writes_a_usable_entry_before_any_storage_runs(
    store: SqliteRunStore, blobs: LocalArtifactStore
) -> None:
    counting = Counting()
    first = await _generate(store, blobs, counting, "t1")
    assert first.status == "completed"
    assert (first.result.width, first.result.height) == (96, 120)
    assert await blobs.exists(first.result.sha256)
    entry = await store.cached_artifact(first.result.prompt_hash, 3, first.result.model)
    assert entry is not None
    assert entry.artifact_id == image_artifact_id("t1")
    assert entry.result == first.result
    assert await store.get_artifact(entry.artifact_id) is None  # no storage ran

    again = await _generate(store, blobs, counting, "t2")
    other_seed = await _generate(store, blobs, counting, "t3", seed=4)

    assert again.status == "cached"
    assert again.result.cached_artifact_id == "t1-image"
    assert again.result.sha256 == first.result.sha256
    assert again.result.render_report == first.result.render_report
    assert other_seed.status == "completed"
    assert counting.calls == [3, 4]


async def test_a_redelivered_task_finds_its_own_entry_as_its_own_image(
    store: SqliteRunStore, blobs: LocalArtifactStore
) -> None:
    counting = Counting()
    first = await _generate(store, blobs, counting, "t1")
    again = await _generate(store, blobs, counting, "t1")  # died before completing
    assert again == first
    assert counting.calls == [3]


async def test_an_entry_whose_bytes_are_gone_is_a_miss(
    store: SqliteRunStore, blobs: LocalArtifactStore, tmp_path: Path
) -> None:
    counting = Counting()
    first = await _generate(store, blobs, counting, "t1")
    for path in (tmp_path / "blobs").rglob(first.result.sha256 + "*"):
        path.unlink()
    again = await _generate(store, blobs, counting, "t2")
    assert again.status == "completed"
    assert counting.calls == [3, 3]


async def test_an_entry_written_before_it_held_a_result_uses_the_artifact_record(
    store: SqliteRunStore, blobs: LocalArtifactStore
) -> None:
    counting = Counting()
    made = await _generate(store, blobs, counting, "t1", seed=5)  # bytes in the blob store
    result = made.result
    await store.put_artifact(
        ArtifactRecord(
            artifact_id="a1",
            run_id="r",
            sha256=result.sha256,
            url=result.url,
            size_bytes=1,
            width=96,
            height=120,
            seed=3,
            prompt_hash=result.prompt_hash,
            model=result.model,
            meta={"render_report": result.render_report},
        )
    )
    await store.cache_artifact(result.prompt_hash, 3, result.model, "a1")  # as storage did

    hit = await _generate(store, blobs, counting, "t2")

    assert hit.status == "cached"
    assert hit.result.cached_artifact_id == "a1"
    assert hit.result.sha256 == result.sha256
    assert counting.calls == [5]


async def test_identical_generations_in_flight_render_once(
    store: SqliteRunStore, blobs: LocalArtifactStore
) -> None:
    counting, flights = Counting(hold=True), Flights()
    leader = asyncio.create_task(_generate(store, blobs, counting, "t1", flights=flights))
    await asyncio.wait_for(asyncio.to_thread(counting.entered.wait, 5), 10)
    follower = asyncio.create_task(_generate(store, blobs, counting, "t2", flights=flights))
    other = asyncio.create_task(_generate(store, blobs, counting, "t3", seed=4, flights=flights))
    key = (prompt_hash(PROMPT), 3, model_id("draft", 96, 120))
    await until(lambda: flights.followers(key) == 1)
    counting.release.set()

    led, followed, _ = await asyncio.wait_for(asyncio.gather(leader, follower, other), 10)

    assert sorted(counting.calls) == [3, 4]
    assert led.status == "completed"
    assert followed.status == "cached"
    assert followed.result.cached_artifact_id == "t1-image"
    assert followed.result.sha256 == led.result.sha256
    assert followed.result == led.result.model_copy(update={"cached_artifact_id": "t1-image"})
    entry = await store.cached_artifact(*key)
    assert entry is not None
    assert entry.artifact_id == "t1-image"
    assert flights.followers(key) == 0


async def test_the_leaders_failure_is_the_followers(
    store: SqliteRunStore, blobs: LocalArtifactStore
) -> None:
    counting, flights = Counting(hold=True, error=RenderError("the sitter fell over")), Flights()
    leader = asyncio.create_task(_generate(store, blobs, counting, "t1", flights=flights))
    await asyncio.wait_for(asyncio.to_thread(counting.entered.wait, 5), 10)
    follower = asyncio.create_task(_generate(store, blobs, counting, "t2", flights=flights))
    key = (prompt_hash(PROMPT), 3, model_id("draft", 96, 120))
    await until(lambda: flights.followers(key) == 1)
    counting.release.set()

    outcomes = await asyncio.wait_for(asyncio.gather(leader, follower, return_exceptions=True), 10)

    assert [type(o) for o in outcomes] == [RenderError, RenderError]
    assert counting.calls == [3]
    assert await store.cached_artifact(*key) is None


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

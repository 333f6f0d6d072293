"""The refine loop's budget stop with a generator that costs money: the bria backend against
the fake BRIA (documented contract, loopback), on the real bus."""

from __future__ import annotations

from typing import Any

import pytest

from prolight.contracts.events import RunCompleted
from prolight.contracts.subjects import EventType, Tool
from prolight_testing.fakes import FakeBria

from .conftest import Pipeline
from .test_bria_pipeline import bria

pytestmark = pytest.mark.integration

__all__ = ["bria"]  # the fixture, imported to be used here


async def test_a_paid_loop_stops_on_its_budget_and_exports_what_it_paid_for(
    pipeline: Pipeline, bria: FakeBria
) -> None:
    # Two images cost 0.08 of 0.10: a second iteration starts, and its first image would
    # overspend, so the generator refuses it with budget_exhausted and the loop stops there.
    await pipeline.start_all()
    await pipeline.submit(
        "loop-paid", num_results=2, seed=5, max_iterations=4, score_threshold=1.0, budget_usd=0.10
    )
    done = await pipeline.finish("loop-paid", timeout=90)
    assert done.type == EventType.RUN_COMPLETED, done.payload
    assert isinstance(done.payload, RunCompleted)
    assert done.payload.stop_reason == "budget_exhausted"
    assert bria.submits == 2

    tasks = await pipeline.store.list_tasks("loop-paid")
    generated = [t for t in tasks if t.tool == Tool.GENERATE]
    paid: list[Any] = [t.result.cost_usd for t in generated if t.result]
    assert sum(paid) == pytest.approx(0.08)
    refused = [t for t in generated if t.error]
    assert refused
    assert all(t.params.iteration == 2 for t in refused)
    assert all(str(t.error).startswith("budget_exhausted") for t in refused)
    run = await pipeline.store.get_run("loop-paid")
    assert run.result.iterations == 1
    assert run.result.best_artifact_id in {
        a.artifact_id for a in await pipeline.store.list_artifacts("loop-paid")
    }

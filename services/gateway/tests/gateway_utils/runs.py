"""A run as the gateway accepted it: read back from its `run.created`, and recorded the way the
planner records it (no planner runs in the gateway's own tests)."""

from __future__ import annotations

from gateway_utils.tasks import generate_params
from prolight.contracts.subjects import Tool
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import (
    ArtifactRecord,
    RunRecord,
    RunStatus,
    RunStore,
    TaskRecord,
    created_run,
)
from prolight_gateway.resources import Resources


async def accepted_run(resources: Resources, run_id: str) -> RunRecord:
    """The run its stored `run.created` describes; fails the test when there is none."""
    created = await resources.bus.created(run_id)
    assert created is not None, f"no run.created in the stream for {run_id}"
    return created_run(created)


async def record_run(resources: Resources, run_id: str) -> RunRecord:
    """Store the accepted run as the planner does when it takes its `run.created`."""
    return await resources.store.create_run(await accepted_run(resources, run_id))


async def seed_parent(
    store: RunStore, run_id: str = "run_parent", status: RunStatus = RunStatus.COMPLETED
) -> FiboPrompt:
    """A run (completed by default) whose best image, `{run_id}-best`, came from the loop
    preset under seed 42."""
    chosen = FiboPrompt(scene=get_preset("loop").setup)
    chosen = chosen.model_copy(update={"metadata": chosen.metadata.model_copy(update={"seed": 42})})
    await store.create_run(RunRecord(run_id=run_id, prompt=chosen.model_dump(mode="json")))
    await store.put_task(
        TaskRecord(
            task_id=f"{run_id}-i1-generate-1",
            run_id=run_id,
            tool=Tool.GENERATE,
            params=generate_params(chosen, 42),
        )
    )
    await store.put_artifact(
        ArtifactRecord(
            artifact_id=f"{run_id}-best",
            run_id=run_id,
            task_id=f"{run_id}-i1-generate-1",
            sha256="cd" * 32,
            url="file:///x",
            size_bytes=1,
            seed=42,
        )
    )
    run = await store.get_run(run_id)
    assert run is not None
    await store.update_run(
        run_id,
        run.version,
        {"status": status, "result": {"best_artifact_id": f"{run_id}-best"}},
    )
    return chosen

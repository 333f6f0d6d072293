"""A run as the gateway accepted it: read back from its `run.created`, and recorded the way the
planner records it (no planner runs in the gateway's own tests)."""

from __future__ import annotations

from prolight.platform.store import RunRecord, created_run
from prolight_gateway.resources import Resources


async def accepted_run(resources: Resources, run_id: str) -> RunRecord:
    """The run its stored `run.created` describes; fails the test when there is none."""
    created = await resources.bus.created(run_id)
    assert created is not None, f"no run.created in the stream for {run_id}"
    return created_run(created)


async def record_run(resources: Resources, run_id: str) -> RunRecord:
    """Store the accepted run as the planner does when it takes its `run.created`."""
    return await resources.store.create_run(await accepted_run(resources, run_id))

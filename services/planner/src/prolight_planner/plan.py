"""The plan of one iteration: task ids, the plan document kept on the run, and task requests.

Everything here is deterministic in (run id, prompt, options), so a redelivered `run.created`
(or a second planner instance) produces the same task ids and the same event ids: the task
store's insert-if-absent and JetStream's `Nats-Msg-Id` de-duplication make repeats harmless.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from prolight.contracts.api import queued_steps
from prolight.contracts.events import Event, EventPayload, RunOptions, TaskRequested
from prolight.contracts.subjects import Tool
from prolight.domain.hashing import prompt_hash
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import TaskRecord
from prolight_planner.candidates import candidate_prompts

__all__ = [
    "EVENT_NAMESPACE",
    "build_plan",
    "event_id",
    "planned_event",
    "task_id",
    "task_request",
]

EVENT_NAMESPACE = UUID("5b0b6c1e-51c4-4f6e-9d1c-7d8f2a1e0c42")
"""uuid5 namespace of the planner's deterministic event ids."""


def event_id(key: str) -> UUID:
    """The event id of the event identified by `key` (same key, same id, in every process)."""
    return uuid5(EVENT_NAMESPACE, key)


def planned_event(run_id: str, payload: EventPayload, key: str) -> Event:
    """`Event.build` with a deterministic id, so publishing it twice stores it once."""
    return Event.build(run_id, payload).model_copy(update={"event_id": event_id(key)})


def task_id(run_id: str, iteration: int, tool: Tool, index: int | None = None) -> str:
    """`<run>-i<iteration>-<tool>[-<index>]`, e.g. `r1-i1-generate-0`, `r1-i1-export`."""
    suffix = "" if index is None else f"-{index}"
    return f"{run_id}-i{iteration}-{tool.value}{suffix}"


def build_plan(
    run_id: str,
    prompt: FiboPrompt,
    options: RunOptions,
    iteration: int = 1,
    *,
    base_seed: int | None = None,
) -> dict[str, Any]:
    """The plan document of `iteration`, stored on the run.

    Keys: `iteration`, `base_seed` (given, else options.seed, else the prompt's seed: every
    iteration keeps the first one's seeds, so only the lighting changes between them),
    `phase` (`generate` → `evaluate` → `export`), `total_tasks` (the most the run can queue,
    `prolight.contracts.api.queued_steps`, as the gateway and the notifier count it: progress never
    goes
    back when an iteration is added), `candidates` (iteration, index, seed, delta,
    prompt, prompt_hash and the task ids of each), the `export_task_id` and `history` (the
    finished iterations; the planner fills it).
    """
    if base_seed is None:
        base_seed = options.seed if options.seed is not None else prompt.metadata.seed
    candidates = candidate_prompts(prompt, options.num_results, base_seed)
    return {
        "iteration": iteration,
        "base_seed": base_seed,
        "phase": "generate",
        "total_tasks": queued_steps(options),
        "candidates": [
            {
                "iteration": iteration,
                "index": c.index,
                "seed": c.seed,
                "delta": c.delta,
                "prompt": c.prompt.model_dump(mode="json"),
                "prompt_hash": prompt_hash(c.prompt),
                "generate_task_id": task_id(run_id, iteration, Tool.GENERATE, c.index),
                "evaluate_task_id": task_id(run_id, iteration, Tool.EVALUATE, c.index),
            }
            for c in candidates
        ],
        "export_task_id": task_id(run_id, iteration, Tool.EXPORT),
        "history": [],
    }


def task_request(task: TaskRecord, attempt: int = 1) -> Event:
    """The `task.requested.<tool>` event of `task` for `attempt`, with a deterministic id."""
    payload = TaskRequested(
        tool=task.tool, task_id=task.task_id, params=task.params, attempt=attempt
    )
    return planned_event(task.run_id, payload, f"{task.task_id}:requested:{attempt}")

"""The plan of one iteration: task ids, the plan document kept on the run, and task requests.

Everything here is deterministic in (run id, prompt, options), so a redelivered `run.created`
(or a second planner instance) produces the same task ids and the same event ids: the task
store's insert-if-absent and JetStream's `Nats-Msg-Id` de-duplication make repeats harmless.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from prolight.contracts.api import queued_steps
from prolight.contracts.events import Event, EventPayload, RunOptions, TaskRequested
from prolight.contracts.subjects import Tool
from prolight.contracts.tasks import Candidate
from prolight.domain.hashing import prompt_hash
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import Plan, TaskRecord
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
) -> Plan:
    """The plan of `iteration` (phase `generate`, no history yet), stored on the run.

    `base_seed` is the one given, else options.seed, else the prompt's seed; `total_tasks` is
    `prolight.contracts.api.queued_steps`, as the gateway and the notifier count it (see `Plan`).
    """
    if base_seed is None:
        base_seed = options.seed if options.seed is not None else prompt.metadata.seed
    candidates = candidate_prompts(prompt, options.num_results, base_seed)
    return Plan(
        iteration=iteration,
        base_seed=base_seed,
        total_tasks=queued_steps(options),
        candidates=[
            Candidate(
                iteration=iteration,
                index=c.index,
                seed=c.seed,
                delta=c.delta,
                prompt=c.prompt,
                prompt_hash=prompt_hash(c.prompt),
                generate_task_id=task_id(run_id, iteration, Tool.GENERATE, c.index),
                evaluate_task_id=task_id(run_id, iteration, Tool.EVALUATE, c.index),
            )
            for c in candidates
        ],
        export_task_id=task_id(run_id, iteration, Tool.EXPORT),
    )


def task_request(task: TaskRecord, attempt: int = 1) -> Event:
    """The `task.requested.<tool>` event of `task` for `attempt`, with a deterministic id."""
    payload = TaskRequested(
        tool=task.tool, task_id=task.task_id, params=task.params, attempt=attempt
    )
    return planned_event(task.run_id, payload, f"{task.task_id}:requested:{attempt}")

"""The generator as its own OS process, SIGKILLed in the middle of a run: a new process picks
the task up (the killed one never acked it) and the run completes with one image per task."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from prolight.contracts.subjects import EventType
from prolight.platform.store import RunStatus, TaskStatus

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def start_generator(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m prolight_bria_generator` with `env` on top of this process's environment."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "prolight_bria_generator"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


async def test_sigkill_of_the_generator_mid_run_loses_nothing_and_duplicates_nothing(
    pipeline: Any, tmp_path: Path
) -> None:
    # Renders big enough (~0.4 s each) that the kill lands while one is being drawn.
    env = {
        **pipeline.env,
        "PROLIGHT_GENERATOR_MAX_WIDTH": "512",
        "PROLIGHT_GENERATOR_MAX_HEIGHT": "640",
        "PROLIGHT_ACK_WAIT_S": "2",
        "PROLIGHT_INSTANCE_ID": "generator-process",
    }
    log = tmp_path / "generator.log"
    for name in ("planner", "storage", "evaluator"):
        await pipeline.start(name)
    first = start_generator(env, log)
    second = None
    try:
        await pipeline.submit("run-kill", num_results=3, seed=11)
        started = await pipeline.wait_for("run-kill", EventType.TASK_STARTED, timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        victim = started.task_id
        second = start_generator({**env, "PROLIGHT_INSTANCE_ID": "generator-second"}, log)
        done = await pipeline.finish("run-kill", timeout=60)
    finally:
        stop(first)
        if second is not None:
            stop(second)

    assert done.type == EventType.RUN_COMPLETED, (done.payload, log.read_text()[-3000:])
    run = await pipeline.store.get_run("run-kill")
    assert run.status == RunStatus.COMPLETED
    images = [a for a in await pipeline.store.list_artifacts("run-kill") if a.kind == "image"]
    assert len(images) == 3
    assert len({a.task_id for a in images}) == 3
    assert (images[0].width, images[0].height) == (512, 640)
    history = await pipeline.bus.history("run-kill")
    completions = Counter(e.task_id for e in history if e.type == EventType.TASK_COMPLETED)
    generate_done = {t: n for t, n in completions.items() if t and "-generate-" in t}
    assert generate_done == dict.fromkeys(generate_done, 1)
    assert len(generate_done) == 3
    task = await pipeline.store.get_task(victim)
    assert task.status == TaskStatus.COMPLETED
    assert task.attempts >= 2, "the kill did not land mid-task: the victim started only once"

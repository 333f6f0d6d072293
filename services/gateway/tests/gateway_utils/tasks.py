"""Task params, results and plans for seeding the run store, with only what a test sets."""

from __future__ import annotations

from prolight.contracts.tasks import (
    EvaluateParams,
    EvaluateResult,
    GenerateParams,
    GenerateResult,
)
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import Plan

SHA = "ef" * 32
PROMPT = FiboPrompt(scene=get_preset("loop").setup)


def plan(total_tasks: int) -> Plan:
    """A plan of `total_tasks` tasks (no candidates: the gateway reads only the count)."""
    return Plan(base_seed=0, total_tasks=total_tasks, candidates=[], export_task_id="x")


def generate_params(prompt: FiboPrompt = PROMPT, seed: int = 0) -> GenerateParams:
    return GenerateParams(prompt=prompt, seed=seed, index=0)


def evaluate_params(artifact_id: str) -> EvaluateParams:
    return EvaluateParams(artifact_id=artifact_id, sha256=SHA, prompt=PROMPT, seed=0, index=0)


def generated(seed: int = 0) -> GenerateResult:
    return GenerateResult(
        artifact_key=SHA, sha256=SHA, url="file:///x", width=64, height=80, seed=seed,
        prompt_hash="h", model="m",
    )  # fmt: skip


def evaluated(artifact_id: str, scores: dict[str, float]) -> EvaluateResult:
    return EvaluateResult(
        artifact_id=artifact_id, index=0, seed=0, scores=scores, final=scores.get("final", 0.0)
    )

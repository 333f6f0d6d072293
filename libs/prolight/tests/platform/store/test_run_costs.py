"""`RunRecord.costs` (the ledger of paid calls) round-trips through every store, survives the
planner's updates of other fields, and sums to `cost_usd` without released entries."""

from __future__ import annotations

import pytest

from prolight.platform.store import RunRecord, RunStore


async def test_costs_round_trip_and_survive_other_updates(store: RunStore) -> None:
    await store.create_run(RunRecord(run_id="r1"))
    run = await store.update_run(
        "r1",
        1,
        {
            "costs": {
                "t1": {"usd": 0.04, "state": "charged", "request_id": "req-1", "backend": "bria"},
                "t2": {"usd": 0.04, "state": "released", "request_id": None, "backend": "bria"},
                "t3": {"usd": 0.04, "state": "reserved", "request_id": None, "backend": "bria"},
            }
        },
    )
    assert run.cost_usd == pytest.approx(0.08)
    run = await store.update_run("r1", run.version, {"result": {"best_artifact_id": "a"}})
    again = await store.get_run("r1")
    assert again is not None
    assert again.costs == run.costs
    assert again.costs["t1"].request_id == "req-1"
    assert again.cost_usd == pytest.approx(0.08)


def test_a_run_without_costs_costs_nothing() -> None:
    assert RunRecord(run_id="r").cost_usd == 0
    legacy = RunRecord.model_validate_json('{"run_id": "r", "version": 3}')  # stored before
    assert legacy.costs == {}

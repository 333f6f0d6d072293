"""The ProLight planner: plans each run, drives it task by task, and alone changes its state.

candidates.py  the finite planner: n seeded candidate prompts with documented deltas
deltas.py      the refine loop's deltas: the `RefinePlanner` seam, its finite default, and
               the validation (bounds, locks) every proposal goes through
plan.py        task ids, the plan document, deterministic task requests
decide.py      the run's state machine as a pure function of stored state
planner.py     the event and dead-letter handlers
service.py     `serve(settings, stop)`: bus, store, health, workers
settings.py    `PlannerSettings`
"""

__all__: list[str] = []

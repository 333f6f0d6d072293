"""The ProLight bria-generator: turns `task.requested.generate` into images.

generate.py      the prompt cache, then the local backend (the preview renderer)
bria_backend.py  the bria backend: cache, budget, submit or resume, poll, download, store
bria.py          BRIA FIBO v2's HTTP API (submit, status polling, download), audited
costs.py         the run's ledger of paid calls (`RunRecord.costs`) and its budget
worker.py        the generate task's work (the lifecycle is
`prolight.platform.task_worker.TaskWorker`)
service.py       `serve(settings, stop)`: bus, stores, health, the shared durable consumer
settings.py      `GeneratorSettings` (backend, size cap, BRIA)
"""

__all__: list[str] = []

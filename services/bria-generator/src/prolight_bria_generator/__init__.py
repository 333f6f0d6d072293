"""The ProLight bria-generator: turns `task.requested.generate` into images.

generate.py  the prompt cache, then the backend (`local`: the preview renderer)
worker.py    the generate task's work (the lifecycle is `prolight.task_worker.TaskWorker`)
service.py   `serve(settings, stop)`: bus, stores, health, the shared durable consumer
settings.py  `GeneratorSettings` (backend, size cap)
"""

__all__: list[str] = []

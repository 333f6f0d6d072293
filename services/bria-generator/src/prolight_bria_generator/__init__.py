"""The ProLight bria-generator: turns `task.requested.generate` into images.

generate.py  the prompt cache, then the backend (`local`: the preview renderer)
worker.py    the task's lifecycle on the bus (started, completed | cached | failed)
service.py   `serve(settings, stop)`: bus, stores, health, the shared durable consumer
settings.py  `GeneratorSettings` (backend, size cap)
"""

__all__: list[str] = []

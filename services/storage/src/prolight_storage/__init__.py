"""The ProLight storage service: the artifact registry, prompt-cache entries and run bundles.

worker.py    registers generated images (artifact, cache entry, artifact.ready) and
             answers task.requested.export
bundle.py    the manifest and the bundle zip (pure)
service.py   `serve(settings, stop)`: bus, stores, health, two durable consumers
settings.py  `StorageSettings`
"""

__all__: list[str] = []

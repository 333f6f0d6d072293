"""The ProLight storage service: the artifact registry, run bundles and artifact retention.

worker.py    registers generated images (artifact, cache entry, artifact.ready) and
             answers task.requested.export
bundle.py    the manifest and the bundle zip (pure)
sweeper.py   deletes artifacts past PROLIGHT_ARTIFACT_RETENTION_DAYS, every sweep interval
service.py   `serve(settings, stop)`: bus, stores, health, two durable consumers, the sweeper
settings.py  `StorageSettings`
"""

__all__: list[str] = []

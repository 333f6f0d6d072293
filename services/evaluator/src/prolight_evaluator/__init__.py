"""The ProLight evaluator (for now: lighting metrics measured on the image; CLIP/LPIPS later).

metrics.py   exposure clipping, key:fill ratio, colour cast, and the combined score (pure)
worker.py    the evaluate task's work (the lifecycle is `prolight.task_worker.TaskWorker`)
service.py   `serve(settings, stop)`: bus, stores, health, the shared durable consumer
settings.py  `EvaluatorSettings`
"""

__all__: list[str] = []
